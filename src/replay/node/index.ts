/**
 * `xlink/replay/node`: the replay pieces that need node:fs.
 *
 *   import { FileNonceStore, FileCounterStorage } from 'xlink/replay/node';
 *   const store = await FileNonceStore.open({ path: '/var/lib/xlink/replay.log' });
 */
export type { FileCounterStorageOptions } from './file-counter-storage.js';
export { FileCounterStorage } from './file-counter-storage.js';
export type { FileNonceStoreOptions } from './file-nonce-store.js';
export { FileNonceStore } from './file-nonce-store.js';

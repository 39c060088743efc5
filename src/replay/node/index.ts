/**
 * `xlink/replay/node`: the replay store that needs node:fs.
 *
 *   import { FileNonceStore } from 'xlink/replay/node';
 *   const store = await FileNonceStore.open({ path: '/var/lib/xlink/replay.log' });
 */
export type { FileNonceStoreOptions } from './file-nonce-store.js';
export { FileNonceStore } from './file-nonce-store.js';

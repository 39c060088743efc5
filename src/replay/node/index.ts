/**
 * `xlink/replay/node`: the replay store that needs node:fs.
 *
 *   import { FileNonceStore } from 'xlink/replay/node';
 *   const store = await FileNonceStore.create({ path: '/var/lib/xlink/replay.log' }); // once
 *   const store = await FileNonceStore.open({ path: '/var/lib/xlink/replay.log' });   // every start after
 */
export type { AppendLogReport } from '../../platform/node/append-log.js';
export type { FileNonceStoreOptions } from './file-nonce-store.js';
export { FileNonceStore } from './file-nonce-store.js';

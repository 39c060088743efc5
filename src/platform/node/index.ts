/**
 * `xlink/platform/node`: the platform pieces that need node:fs.
 *
 *   import { FileKeyValueStorage } from 'xlink/platform/node';
 *   const { log } = await AppendLog.open({ path, header, what: 'journal', fail }, (payload) => replay(payload));
 *
 * AppendLog is the one durable append-only log (CRC-32 per line, group
 * commit, torn-tail recovery, one writer) behind the trust registry, the
 * replay store and the provisioning journal.
 */
export {
  AppendLog,
  type AppendLogOptions,
  type AppendLogReport,
  type LogFailure,
  type LogFailureKind,
  type RecordVisitor,
} from './append-log.js';
export { syncDirectory, writeFileDurably } from './durable-file.js';
export { FileKeyValueStorage, type FileKeyValueStorageOptions } from './file-storage.js';

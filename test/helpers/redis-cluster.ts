/**
 * A real three-master Redis Cluster for tests: three `redis-server
 * --cluster-enabled yes` on free ports (each also binds its port + 10000 for
 * the cluster bus), joined by `redis-cli --cluster create … --cluster-yes`,
 * no replicas, AOF on, node timeout 1 s (a killed master is marked failed
 * quickly, and comes back with its data when restarted).
 *
 *   const cluster = await startRedisCluster();
 *   if (cluster === undefined) console.log('not run: redis-server not installed');
 *   else { const redis = new Cluster(cluster.startupNodes); …; await cluster.masters[0].kill(); await cluster.stop(); }
 *
 * Without replicas a killed master's slots have no one to serve them, and
 * with `cluster-require-full-coverage yes` (Redis's default) the whole
 * cluster then answers CLUSTERDOWN once the failure is agreed: the fault a
 * replay store must survive by refusing, never by accepting.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { accepts, freePort } from './free-port.js';
import { type RedisServer, redisAvailable, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisCluster {
  readonly masters: readonly RedisServer[];
  /** For ioredis `new Cluster(startupNodes)`. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** `cluster info` of a node, as key → value. */
  info(port?: number): Promise<Record<string, string>>;
  /** Which master serves `key` (by CLUSTER KEYSLOT and CLUSTER NODES). */
  masterOf(key: string): Promise<RedisServer>;
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisCluster | undefined> {
  if (!redisAvailable()) return undefined;
  const masters: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const server = await startRedisServer({
        port: await clusterPort(),
        appendonly: true, // a restarted master must come back with its counter windows
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000'],
      });
      if (server === undefined) throw new Error('redis-server vanished');
      masters.push(server);
    }
    const addresses = masters.map((m) => `127.0.0.1:${m.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'], { timeout: 30_000 });
  } catch (error) {
    for (const master of masters) await master.stop();
    throw error;
  }
  const cluster: RedisCluster = {
    masters,
    startupNodes: masters.map((m) => ({ host: '127.0.0.1', port: m.port })),
    async info(port = (masters[0] as RedisServer).port) {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info'], { timeout: 5_000 });
      return Object.fromEntries(
        stdout
          .split(/\r?\n/)
          .filter((line) => line.includes(':'))
          .map((line) => line.split(':', 2) as [string, string]),
      );
    },
    async masterOf(key) {
      const port = String((masters[0] as RedisServer).port);
      const slot = Number((await run('redis-cli', ['-p', port, 'cluster', 'keyslot', key])).stdout.trim());
      const { stdout } = await run('redis-cli', ['-p', port, 'cluster', 'nodes']);
      for (const line of stdout.split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.split(' ');
        if (!flags?.includes('master')) continue;
        const owns = ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= (from as number) && slot <= (to as number);
        });
        const nodePort = Number(address?.split('@')[0]?.split(':')[1]);
        if (owns) return masters.find((m) => m.port === nodePort) as RedisServer;
      }
      throw new Error(`no master owns slot ${slot}`);
    },
    async stop() {
      for (const master of masters) await master.stop();
    },
  };
  const deadline = Date.now() + 20_000;
  while ((await cluster.info()).cluster_state !== 'ok') {
    if (Date.now() > deadline) {
      await cluster.stop();
      throw new Error('the Redis Cluster did not reach cluster_state:ok');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return cluster;
}

/** A free port whose cluster-bus port (+10000) is free too. */
async function clusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && !(await accepts(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a cluster node');
}

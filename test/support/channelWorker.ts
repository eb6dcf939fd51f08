/**
 * A compare worker on a MessageChannel in this thread: the CLI's worker protocol (cli/workerPool.ts) without
 * starting a thread, for tests of `compare`'s worker path.
 */
import { MessageChannel } from 'node:worker_threads';
import { serveRuns, type WorkerLike } from '../../cli/workerPool.js';
import { CLASSES } from '../../surrogate/catalog.js';
import { tutorialTrainer } from '../../train/tutorial.js';

const catalog = CLASSES as unknown as Record<string, never>;

export function channelWorker(): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  void serveRuns(port2, catalog, tutorialTrainer);
  return {
    postMessage: (m) => port1.postMessage(m),
    on: (ev: string, fn: (x: unknown) => void) => (ev === 'message' ? port1.on('message', fn) : port1),
    terminate: () => { port1.close(); port2.close(); },
  } as WorkerLike;
}

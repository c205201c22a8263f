/** Engine commands as data, run in this thread or, isolated with a memory limit, in a worker thread. */
export {
  inProcessEngine,
  runEngineRequest,
  type EngineCommand,
  type EngineHooks,
  type EngineOutput,
  type EngineRequest,
  type EngineRunner,
  type RenderOutput,
} from './request.js';
export {
  DEFAULT_CANCEL_GRACE_MS,
  DEFAULT_ENGINE_MEMORY_MB,
  workerEngine,
  type WorkerEngine,
  type WorkerEngineOptions,
} from './client.js';

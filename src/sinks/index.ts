export { ConsoleSink, type ConsoleSinkOptions, type LineStream } from './console-sink.js';
export { MemorySink, type MemorySinkOptions } from './memory-sink.js';
export { classifyCommonError, type Sink, type SinkErrorKind, type WriteContext } from './sink.js';

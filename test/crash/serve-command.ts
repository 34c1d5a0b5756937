// Moved to bench/ (shared with the load benchmark); re-exported for the crash and docker tests.
export * from '../../bench/serve-command.js';

// Moved to bench/ so bench/load-run.ts can share it without importing test/.
export * from '../../bench/serve-process.js';

import type Database from 'better-sqlite3';

export function withoutOwnFsync<T>(db: Database.Database, write: () => T): T;

export function afterStep(startedAt: number, duty: number): Promise<void>;

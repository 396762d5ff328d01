/**
 * Where keys and teams live: one interface, two databases (SQLite built into Node, Postgres), one contract test
 * (./key-store-contract.test.ts). Keys are stored by their sha256 only. Every write takes the next number of one
 * change sequence, so each instance's cache reads what changed since the number it last saw (../key-cache.ts);
 * deletions stay behind as tombstones for the same reason.
 */
import type { KeySettings, TeamSettings } from '../key-settings.ts';
import type { KeyInfo, TeamInfo } from '../types.ts';
import type { UsageSink } from '../usage-sink.ts';

/** Counted from usage flushes (T2's UsageDelta batches), all time. */
export interface Usage {
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface StoredKey extends KeyInfo {
  /** LiteLLM's `key_name`: `sk-...` and the key's last four characters. */
  readonly keyName: string;
  readonly usage: Usage;
  readonly createdAtMs: number;
  /** Declared in the YAML (`spillway.keys.static`): the file, not the API, sets its fields. */
  readonly isStatic: boolean;
}

export interface StoredTeam extends TeamInfo {
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly usage: Usage;
  readonly createdAtMs: number;
}

/** What changed after a sequence number, up to `seq`. */
export interface StoreChanges {
  readonly seq: number;
  readonly keys: readonly StoredKey[];
  readonly deletedKeys: readonly string[];
  readonly teams: readonly StoredTeam[];
  readonly deletedTeams: readonly string[];
}

/** A key alias or team id already taken. */
export class KeyConflictError extends Error {}

export interface KeyStore extends UsageSink {
  /** Creates the tables if missing; safe for many instances at once. */
  migrate(): Promise<void>;
  /** KeyConflictError when the alias is taken. */
  createKey(hash: string, keyName: string, settings: KeySettings, nowMs: number): Promise<StoredKey>;
  /**
   * The YAML's keys: each created, or its settings replaced (spend and usage kept); a static key no longer in the
   * list is deleted.
   */
  syncStaticKeys(keys: readonly { hash: string; settings: KeySettings }[], nowMs: number): Promise<void>;
  /** Changes only the fields `patch` has; undefined when no such key. KeyConflictError on a taken alias. */
  updateKey(hash: string, patch: Partial<KeySettings>, nowMs: number): Promise<StoredKey | undefined>;
  /** The hashes of the keys deleted. */
  deleteKeys(hashes: readonly string[], aliases: readonly string[], nowMs: number): Promise<string[]>;
  getKey(hash: string): Promise<StoredKey | undefined>;
  listKeys(o: { offset: number; limit: number; teamId?: string }): Promise<{ keys: StoredKey[]; total: number }>;
  /** KeyConflictError when the id is taken. */
  createTeam(id: string, settings: TeamSettings, nowMs: number): Promise<StoredTeam>;
  updateTeam(id: string, patch: Partial<TeamSettings>, nowMs: number): Promise<StoredTeam | undefined>;
  /** Deletes the teams and their keys; the ids of the teams deleted. */
  deleteTeams(ids: readonly string[], nowMs: number): Promise<string[]>;
  getTeam(id: string): Promise<StoredTeam | undefined>;
  listTeams(): Promise<StoredTeam[]>;
  changesSince(seq: number): Promise<StoreChanges>;
  /** Starts a new budget window (spend 0) for every key and team whose window ended by `nowMs`. */
  resetBudgets(nowMs: number): Promise<void>;
  close(): Promise<void>;
}

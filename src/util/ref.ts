/**
 * Settings read through one reference: the holder replaces `current` whole with a new frozen value, and every
 * reader takes `current` at each decision, so nothing writes into the objects that decide and a decision never
 * sees half of a change. A view narrows a reference to the part one component reads, with no allocation per
 * read (the getter is made once, with the component).
 */
export interface Ref<T> {
  readonly current: T;
}

/** A reference that never changes (tests, and components built without a settings holder). */
export function fixed<T>(value: T): Ref<T> {
  return { current: value };
}

/** `pick` of whatever `root` holds at the time of each read. */
export function view<R, T>(root: Ref<R>, pick: (r: R) => T): Ref<T> {
  return {
    get current() {
      return pick(root.current);
    },
  };
}

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Freezes `value` and every plain object and array under it; returns it. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value as DeepReadonly<T>;
}

import { describe, expect, it } from 'vitest';
import { SessionStore } from '../src/sessions.js';

const frame = () => new Uint8Array(4);

describe('SessionStore', () => {
  it('evicts the least recently used session above the cap', () => {
    let now = 0;
    const store = new SessionStore(2, 1000, () => now);
    store.set('a', 2, 2, frame());
    store.set('b', 2, 2, frame());
    now = 1;
    expect(store.get('a')).toBeDefined(); // reading does not refresh; writing does
    store.set('a', 2, 2, frame());
    store.set('c', 2, 2, frame());
    expect(store.size).toBe(2);
    expect(store.has('b')).toBe(false);
    expect(store.has('a')).toBe(true);
    expect(store.has('c')).toBe(true);
  });

  it('expires idle sessions', () => {
    let now = 0;
    const store = new SessionStore(10, 100, () => now);
    store.set('old', 2, 2, frame());
    now = 60;
    store.set('new', 2, 2, frame());
    now = 120;
    expect(store.get('old')).toBeUndefined();
    expect(store.get('new')).toBeDefined();
    now = 200;
    store.sweep();
    expect(store.size).toBe(0);
  });

  it('deletes and clears', () => {
    const store = new SessionStore(10, 100);
    store.set('x', 2, 2, frame());
    expect(store.delete('x')).toBe(true);
    expect(store.delete('x')).toBe(false);
    store.set('y', 2, 2, frame());
    store.clear();
    expect(store.size).toBe(0);
  });
});

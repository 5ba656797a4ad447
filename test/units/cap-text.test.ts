// The one helper every report caps test text with: short text untouched, long text cut to its head and tail on
// character boundaries with the exact number of bytes dropped said in place, names cut to a length.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  capFailure, capName, capText, cutText, DROPPED_NOTE_MAX_BYTES, droppedNote, MESSAGE_LIMIT_BYTES, NAME_LIMIT_CHARS, STACK_LIMIT_BYTES, wholeCharsEnd,
  wholeCharsStart,
} from '../../src/units/cap-text.js';
import { splitAtMarker } from '../helpers/split-at-marker.js';

// cutText keeps room for its marker: a limit of ROOM + 2n keeps n bytes at each end.
const ROOM = DROPPED_NOTE_MAX_BYTES;

describe('cutText', () => {
  it('leaves text at or under the limit untouched, the same string', () => {
    const text = 'é'.repeat(32);
    assert.deepEqual(cutText(text, 64), { text, bytes: 64, cutBytes: 0, droppedBytes: 0 });
    assert.equal(capText('', 0), '');
    assert.equal(capText('short', MESSAGE_LIMIT_BYTES), 'short');
  });

  it('keeps the start and the end around a marker that gives the exact bytes dropped, all within the limit', () => {
    const text = `HEAD${'-'.repeat(1000)}TAIL`;
    const cut = cutText(text, ROOM + 8);
    assert.equal(cut.text, 'HEAD\n[… 1,000 bytes dropped …]\nTAIL');
    assert.deepEqual([cut.bytes, cut.cutBytes, cut.droppedBytes], [1008, 1000, 1000]);
    assert.ok(Buffer.byteLength(cut.text) <= ROOM + 8);
  });

  it('never cuts a UTF-8 character in half: the cuts move inward and the bytes they drop are counted', () => {
    // é is 2 bytes, 🚀 is 4: a 7-byte half ends inside the fourth é and starts inside a rocket.
    const text = `${'é'.repeat(10)}${'x'.repeat(50)}${'🚀'.repeat(10)}`;
    const cut = cutText(text, ROOM + 14);
    assert.equal(cut.text, `ééé\n${droppedNote(Buffer.byteLength(text) - 6 - 4)}\n🚀`);
    assert.equal(cut.droppedBytes, 20 + 50 + 40 - 6 - 4);
    assert.doesNotMatch(cut.text, /\uFFFD/);
  });

  it('counts exactly what it dropped, stays within the limit and keeps whole characters, for every limit', () => {
    const text = `a${'ü'.repeat(7)}€${'😀'.repeat(5)}z${'-'.repeat(ROOM)}`;
    const total = Buffer.byteLength(text);
    for (let limit = 0; limit < total; limit++) {
      const cut = cutText(text, limit);
      const { head, dropped, tail } = splitAtMarker(cut.text);
      assert.ok(Buffer.byteLength(cut.text) <= Math.max(limit, ROOM), `limit ${limit}`);
      assert.equal(Buffer.byteLength(head) + dropped + Buffer.byteLength(tail), total, `limit ${limit}`);
      assert.ok(text.startsWith(head) && text.endsWith(tail), `limit ${limit}`);
    }
  });

  it('cuts a 50 MB message to the limit, and cutting it again to the same limit changes nothing', () => {
    const text = `HEAD${'x'.repeat(50 * 1024 * 1024)}TAIL`;
    const cut = cutText(text, MESSAGE_LIMIT_BYTES);
    assert.ok(Buffer.byteLength(cut.text) <= MESSAGE_LIMIT_BYTES);
    const { head, dropped, tail } = splitAtMarker(cut.text);
    assert.equal(head.length + dropped + tail.length, text.length);
    assert.ok(head.startsWith('HEADxxx') && tail.endsWith('xxxTAIL'));
    assert.equal(capText(cut.text, MESSAGE_LIMIT_BYTES), cut.text);
  });

  it('cut again to a smaller limit, says what the original lost: the earlier marker\'s count is added', () => {
    const text = `HEAD${'x'.repeat(1_000_000)}TAIL`;
    const again = cutText(capText(text, MESSAGE_LIMIT_BYTES), ROOM + 8);
    assert.equal(again.text, `HEAD\n${droppedNote(1_000_000)}\nTAIL`);
    assert.equal(again.droppedBytes, 1_000_000);
  });
});

describe('droppedNote', () => {
  it('groups the digits and says byte for one', () => {
    assert.equal(droppedNote(52_428_712), '[… 52,428,712 bytes dropped …]');
    assert.equal(droppedNote(999), '[… 999 bytes dropped …]');
    assert.equal(droppedNote(1), '[… 1 byte dropped …]');
  });
});

describe('wholeCharsEnd and wholeCharsStart', () => {
  it('leave out a character cut at the end or the start of a buffer, and nothing else', () => {
    const rocket = Buffer.from('🚀');
    assert.equal(wholeCharsEnd(Buffer.concat([Buffer.from('ab'), rocket.subarray(0, 3)])), 2);
    assert.equal(wholeCharsEnd(Buffer.concat([Buffer.from('ab'), rocket])), 6);
    assert.equal(wholeCharsEnd(Buffer.alloc(0)), 0);
    assert.equal(wholeCharsStart(Buffer.concat([rocket.subarray(1), Buffer.from('ab')])), 3);
    assert.equal(wholeCharsStart(Buffer.from('ab')), 0);
    // A character has at most three continuation bytes: no more than that is ever skipped.
    assert.equal(wholeCharsStart(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x41])), 3);
  });
});

describe('capName', () => {
  it('leaves a name at the limit alone and cuts a longer one to the limit, keeping its start and its end', () => {
    assert.equal(capName('x'.repeat(NAME_LIMIT_CHARS)), 'x'.repeat(NAME_LIMIT_CHARS));
    const name = `${'a'.repeat(1_000_000)} [budget: peakVram]`;
    const capped = capName(name);
    assert.equal(capped.length, NAME_LIMIT_CHARS);
    assert.ok(capped.startsWith('aaaa') && capped.includes('…') && capped.endsWith(' [budget: peakVram]'));
  });

  it('never splits a surrogate pair', () => {
    for (const max of [10, 11, 12, 13]) {
      const capped = capName('🚀'.repeat(50), max);
      assert.ok(capped.length <= max);
      assert.doesNotMatch(capped, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, `max ${max}`);
    }
  });
});

describe('capFailure', () => {
  it('caps message and stack to their limits and the type as a name; a small failure is returned as it was', () => {
    const small = { type: 'AssertionError', message: 'boom', stack: null };
    assert.equal(capFailure(small), small);
    const huge = 'y'.repeat(3 * 1024 * 1024);
    const capped = capFailure({ type: 'E'.repeat(10_000), message: huge, stack: `Error: ${huge}\n    at f (/p/a.test.ts:1:1)` });
    assert.equal(capped.type.length, NAME_LIMIT_CHARS);
    assert.ok(Buffer.byteLength(capped.message) <= MESSAGE_LIMIT_BYTES);
    assert.ok(Buffer.byteLength(capped.stack ?? '') <= STACK_LIMIT_BYTES);
    assert.match(capped.message, /\[… [\d,]+ bytes dropped …\]/);
    assert.ok(capped.stack?.endsWith('    at f (/p/a.test.ts:1:1)'), 'the end of the stack, where the frames are, is kept');
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { StormControl } from "./storm.js";

test("a crash loop of 20 crashes in a minute sends one message per min_interval, the rest folded and counted", () => {
  const storm = new StormControl();
  const interval = 20_000;
  const sent: { at: number; folded: number }[] = [];
  let flushAt: number | null = null;
  for (let i = 0; i < 20; i++) {
    const now = i * 3000; // 20 crashes over 57 s
    if (flushAt !== null && now >= flushAt) {
      const f = storm.flush("web", "crash", flushAt);
      if (f) sent.push({ at: flushAt, folded: f.folded });
      flushAt = null;
    }
    const offer = storm.offer("web", "crash", now, interval);
    if (offer.send) sent.push({ at: now, folded: offer.folded });
    else flushAt ??= offer.flushAt;
  }
  if (flushAt !== null) {
    const f = storm.flush("web", "crash", flushAt);
    if (f) sent.push({ at: flushAt, folded: f.folded });
  }
  // Every event is told exactly once: the first of each window itself, the others as a count.
  const told = sent.reduce((n, s) => n + (s.folded === 0 ? 1 : s.folded), 0);
  assert.equal(told, 20, JSON.stringify(sent));
  for (let i = 1; i < sent.length; i++)
    assert.ok(sent[i]!.at - sent[i - 1]!.at >= interval, JSON.stringify(sent));
  assert.ok(sent.length <= 4, `${sent.length} messages for 57 s at one per 20 s`);
  assert.equal(storm.storyOf("web")?.crashes, 20);
});

test("recovered ends the story and tells it whole; other services and kinds have their own windows", () => {
  const storm = new StormControl();
  storm.offer("web", "crash", 0, 60_000);
  storm.offer("web", "crash", 1000, 60_000);
  assert.deepEqual(storm.offer("db", "crash", 1000, 60_000), {
    send: true,
    folded: 0,
    story: { openedAt: 1000, crashes: 1, events: 1 },
  });
  assert.equal(storm.offer("web", "failed", 2000, 60_000).send, true, "another kind is not held back");
  const recovered = storm.offer("web", "recovered", 40_000, 60_000);
  assert.ok(recovered.send);
  assert.equal(recovered.story?.crashes, 2);
  assert.equal(storm.storyOf("web"), null, "the story is closed");
  assert.equal(storm.storyOf("db")?.crashes, 1);
});

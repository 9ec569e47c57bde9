import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";

// Found by src/api/app.property.test.ts: `GET /api/v1/events?n=1e300` (or
// n=9007199254740993) passed the route's Number.isInteger check, the store refused the limit,
// and the request was answered 500 "internal error"; with follow=1 the stream was cut.
// What must never happen again: a count the route cannot use is anything but a 400 naming it.
const env = new TestEnv();
before(async () => {
  env.writeConfig("services: {}\n");
  await env.startDaemon();
});
after(() => env.teardown());

for (const n of ["1e300", "9007199254740993", "0x10", "5.0", "-1", ""]) {
  for (const follow of ["", "&follow=1"]) {
    test(`events?n=${n}${follow} is answered 400 naming the field`, async () => {
      const r = await env.api("GET", `/api/v1/events?n=${n}${follow}`);
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, "API_BAD_REQUEST");
      assert.match(r.json.error.message, /query field 'n'/);
    });
  }
}

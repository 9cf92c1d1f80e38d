// The accounts part of an agent's day in masto.js against a test node, for
// web/client's TestMastoJSAccounts: search an account (mention
// autocomplete), read someone's followers, mute someone, block and
// unblock, follow a group from the app. It prints what it saw as JSON; the
// Go test checks it.
import { createRestAPIClient } from "masto";

const url = process.env.NODE_URL;
const alice = createRestAPIClient({ url, accessToken: process.env.ALICE_TOKEN });
const out = {};

const found = await alice.v1.accounts.search.list({ q: "car", limit: 5 });
out.search = found.map((a) => a.acct);
const carol = found[0];

const bobAccount = await alice.v1.accounts.lookup({ acct: "bob" });
out.bobFollowers = [];
for await (const page of alice.v1.accounts.$select(bobAccount.id).followers.list({ limit: 1 })) {
  out.bobFollowers.push(...page.map((a) => a.acct));
  if (out.bobFollowers.length > 5) break;
}

const muted = await alice.v1.accounts.$select(carol.id).mute({ notifications: true, duration: 0 });
out.muting = muted.muting && muted.mutingNotifications;
out.mutes = (await alice.v1.mutes.list()).map((a) => a.acct);
out.homeWhileMuted = (await alice.v1.timelines.home.list()).map((s) => s.account.acct);

const blocked = await alice.v1.accounts.$select(bobAccount.id).block();
out.blocking = blocked.blocking && !blocked.following;
out.blocks = (await alice.v1.blocks.list()).map((a) => a.acct);
const unblocked = await alice.v1.accounts.$select(bobAccount.id).unblock();
out.blockingAfterUnblock = unblocked.blocking;

const group = await alice.v1.accounts.lookup({ acct: "pilotage" });
out.groupIsGroup = group.group;
const joined = await alice.v1.accounts.$select(group.id).follow();
out.groupFollowing = joined.following;
const [rel] = await alice.v1.accounts.relationships.fetch({ id: [group.id] });
out.groupRelationship = rel.following;

console.log(JSON.stringify(out));

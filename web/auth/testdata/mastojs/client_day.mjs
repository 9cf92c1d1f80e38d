// An agent's day in masto.js against a test node, for web/client's
// TestMastoJSDay:
// post with a hashtag and a content warning, read notifications (v1, paged
// by the Link header, and v2 grouped), open a thread, favourite and undo,
// bookmark, read a hashtag timeline, search, move the marker, post a photo
// with its alt text (a JPEG with an EXIF GPS block, from PHOTO), and receive
// a new mention over masto.js's WebSocket streaming client. It prints what
// it saw as JSON; the Go test checks it.
import { readFileSync } from "node:fs";
import { createRestAPIClient, createStreamingAPIClient } from "masto";

const url = process.env.NODE_URL;
const alice = createRestAPIClient({ url, accessToken: process.env.ALICE_TOKEN });
const bob = createRestAPIClient({ url, accessToken: process.env.BOB_TOKEN });
const out = {};

const post = await alice.v1.statuses.create({
  status: "Réunion #Urbanisme demain, ordre du jour joint",
  spoilerText: "Interne",
  language: "fr",
});
out.post = { id: post.id, tags: post.tags.map((t) => t.name), spoilerText: post.spoilerText, sensitive: post.sensitive };

const reply = await bob.v1.statuses.create({ status: "J'y serai", inReplyToId: post.id });
await bob.v1.statuses.$select(post.id).favourite();
const reblog = await bob.v1.statuses.$select(post.id).reblog();
out.reblogWraps = reblog.reblog?.id === post.id;

// v1 notifications, walked page by page through the Link header.
out.pages = [];
for await (const page of alice.v1.notifications.list({ limit: 2 })) {
  out.pages.push(page.map((n) => n.type));
  if (out.pages.length > 5) break;
}
const grouped = await alice.v2.notifications.list();
out.groups = grouped.notificationGroups.map((g) => [g.type, g.notificationsCount]);
out.unread = (await alice.v1.notifications.unreadCount.fetch()).count;

const context = await alice.v1.statuses.$select(post.id).context.fetch();
out.descendants = context.descendants.map((s) => s.id);
out.replyID = reply.id;

const seen = await bob.v1.statuses.$select(post.id).fetch();
out.favouritedBeforeUndo = seen.favourited;
out.favouritedAfterUndo = (await bob.v1.statuses.$select(post.id).unfavourite()).favourited;
await bob.v1.statuses.$select(post.id).bookmark();
out.bookmarks = (await bob.v1.bookmarks.list()).map((s) => s.id);

out.tagTimeline = (await bob.v1.timelines.tag.$select("urbanisme").list()).map((s) => s.id);
const found = await bob.v2.search.list({ q: "réunions", type: "statuses" });
out.search = found.statuses.map((s) => s.id);

const latest = (await alice.v1.notifications.list({ limit: 1 }))[0];
await alice.v1.markers.create({ notifications: { lastReadId: latest.id } });
const markers = await alice.v1.markers.fetch({ timeline: ["notifications"] });
out.marker = markers.notifications?.lastReadId === latest.id;
out.unreadAfterMarker = (await alice.v1.notifications.unreadCount.fetch()).count;

// A photo with its alt text, through v2/media as apps upload it.
const photo = new Blob([readFileSync(process.env.PHOTO)], { type: "image/jpeg" });
const uploaded = await alice.v2.media.create({ file: photo, description: "Plan du quartier de la gare" });
const withPhoto = await alice.v1.statuses.create({ status: "Le plan du quartier", mediaIds: [uploaded.id] });
const attached = withPhoto.mediaAttachments[0];
const served = Buffer.from(await (await fetch(attached.url)).arrayBuffer());
out.media = {
  id: uploaded.id,
  attachedID: attached?.id,
  type: attached?.type,
  description: attached?.description,
  blurhash: attached?.blurhash,
  width: attached?.meta?.original?.width,
  height: attached?.meta?.original?.height,
  servedBytes: served.length,
  servedHasExif: served.includes("Exif") || served.includes(process.env.EXIF_MARKER),
};

// A new mention over the WebSocket stream. masto.js subscribes once it is
// connected and Mastodon's protocol acknowledges nothing, so bob posts again
// should the first post come before the subscription (attempts says).
const instance = await alice.v2.instance.fetch();
out.streamingUrl = instance.configuration.urls.streaming;
const streaming = createStreamingAPIClient({
  streamingApiUrl: out.streamingUrl,
  accessToken: process.env.ALICE_TOKEN,
  retry: false,
});
const events = streaming.user.notification.subscribe()[Symbol.asyncIterator]();
let pending = events.next();
await new Promise((resolve) => setTimeout(resolve, 1000));
out.mentionIds = [];
for (out.attempts = 1; out.attempts <= 3; out.attempts++) {
  const mention = await bob.v1.statuses.create({ status: `@alice le dossier est prêt (${out.attempts})` });
  const posted = Date.now();
  out.mentionIds.push(mention.id);
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 1000));
  const got = await Promise.race([pending, timeout]);
  if (got) {
    out.streamed = { event: got.value.event, stream: got.value.stream, type: got.value.payload.type,
      statusId: got.value.payload.status?.id, ms: Date.now() - posted };
    break;
  }
}
streaming.close();

console.log(JSON.stringify(out));

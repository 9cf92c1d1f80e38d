package inbox_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/inbox"
)

// Seeds: what real peers send, then what broken or hostile ones do. More
// seeds live in testdata/fuzz/<FuzzName>/.

const seedMastodonCreate = `{"@context":["https://www.w3.org/ns/activitystreams",{"ostatus":"http://ostatus.org#","atomUri":"ostatus:atomUri","inReplyToAtomUri":"ostatus:inReplyToAtomUri","conversation":"ostatus:conversation","sensitive":"as:sensitive","toot":"http://joinmastodon.org/ns#","votersCount":"toot:votersCount","blurhash":"toot:blurhash","focalPoint":{"@container":"@list","@id":"toot:focalPoint"},"Hashtag":"as:Hashtag"}],"id":"https://mastodon.example/users/alice/statuses/111/activity","type":"Create","actor":"https://mastodon.example/users/alice","published":"2024-05-02T09:14:00Z","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://mastodon.example/users/alice/followers","https://archipel.example/users/bob"],"object":{"id":"https://mastodon.example/users/alice/statuses/111","type":"Note","summary":null,"inReplyTo":null,"published":"2024-05-02T09:14:00Z","url":"https://mastodon.example/@alice/111","attributedTo":"https://mastodon.example/users/alice","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://mastodon.example/users/alice/followers","https://archipel.example/users/bob"],"sensitive":false,"atomUri":"https://mastodon.example/users/alice/statuses/111","inReplyToAtomUri":null,"conversation":"tag:mastodon.example,2024-05-02:objectId=1:objectType=Conversation","content":"<p><span class=\"h-card\"><a href=\"https://archipel.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> réunion jeudi <a href=\"https://mastodon.example/tags/urbanisme\" class=\"mention hashtag\" rel=\"tag\">#<span>urbanisme</span></a></p>","contentMap":{"fr":"<p>réunion jeudi</p>"},"attachment":[{"type":"Document","mediaType":"image/png","url":"https://mastodon.example/system/media/1.png","name":null,"blurhash":"UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH","focalPoint":[0.0,0.0],"width":640,"height":480}],"tag":[{"type":"Mention","href":"https://archipel.example/users/bob","name":"@bob@archipel.example"},{"type":"Hashtag","href":"https://mastodon.example/tags/urbanisme","name":"#urbanisme"},{"id":"https://mastodon.example/emojis/1","type":"Emoji","name":":blob:","icon":{"type":"Image","mediaType":"image/png","url":"https://mastodon.example/emoji.png"}}],"replies":{"id":"https://mastodon.example/users/alice/statuses/111/replies","type":"Collection","first":{"type":"CollectionPage","next":"https://mastodon.example/users/alice/statuses/111/replies?only_other_accounts=true&page=true","partOf":"https://mastodon.example/users/alice/statuses/111/replies","items":[]}}},"signature":{"type":"RsaSignature2017","creator":"https://mastodon.example/users/alice#main-key","created":"2024-05-02T09:14:01Z","signatureValue":"aGVsbG8="}}`

const seedMastodonFollow = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/4f1b4a1e-8c0e-4c59-9d7c-8e0f0e2a6b11","type":"Follow","actor":"https://mastodon.example/users/alice","object":"https://archipel.example/users/bob"}`

const seedMastodonUndoFollow = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/users/alice#follows/42/undo","type":"Undo","actor":"https://mastodon.example/users/alice","object":{"id":"https://mastodon.example/4f1b4a1e-8c0e-4c59-9d7c-8e0f0e2a6b11","type":"Follow","actor":"https://mastodon.example/users/alice","object":"https://archipel.example/users/bob"}}`

const seedLemmyAnnounce = `{"@context":["https://join-lemmy.org/context.json","https://www.w3.org/ns/activitystreams"],"actor":"https://lemmy.example/c/urbanisme","to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"actor":"https://lemmy.example/u/carol","to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"type":"Page","id":"https://lemmy.example/post/7","attributedTo":"https://lemmy.example/u/carol","to":["https://lemmy.example/c/urbanisme","https://www.w3.org/ns/activitystreams#Public"],"name":"Plan local d'urbanisme","cc":[],"content":"<p>Consultation ouverte</p>","mediaType":"text/html","source":{"content":"Consultation ouverte","mediaType":"text/markdown"},"attachment":[{"href":"https://example.org/plu.pdf","type":"Link"}],"commentsEnabled":true,"sensitive":false,"published":"2024-05-02T09:14:00+00:00","language":{"identifier":"fr","name":"Français"},"audience":"https://lemmy.example/c/urbanisme","tag":[{"href":"https://lemmy.example/post/7","name":"#urbanisme","type":"Hashtag"}]},"cc":["https://lemmy.example/c/urbanisme"],"type":"Create","id":"https://lemmy.example/activities/create/0b7e7f4e","audience":"https://lemmy.example/c/urbanisme"},"cc":["https://lemmy.example/c/urbanisme/followers"],"type":"Announce","id":"https://lemmy.example/activities/announce/2c1d","audience":"https://lemmy.example/c/urbanisme"}`

const seedMastodonLike = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/users/alice#likes/9","type":"Like","actor":"https://mastodon.example/users/alice","object":"https://archipel.example/users/bob/statuses/3"}`

const seedMastodonDelete = `{"@context":["https://www.w3.org/ns/activitystreams",{"ostatus":"http://ostatus.org#","atomUri":"ostatus:atomUri"}],"id":"https://mastodon.example/users/alice/statuses/111#delete","type":"Delete","actor":"https://mastodon.example/users/alice","to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"id":"https://mastodon.example/users/alice/statuses/111","type":"Tombstone","atomUri":"https://mastodon.example/users/alice/statuses/111"},"signature":{"type":"RsaSignature2017","creator":"https://mastodon.example/users/alice#main-key","created":"2024-05-02T10:00:00Z","signatureValue":"aGVsbG8="}}`

var activitySeeds = []string{
	seedMastodonCreate,
	seedMastodonFollow,
	seedMastodonUndoFollow,
	seedLemmyAnnounce,
	seedMastodonLike,
	seedMastodonDelete,
	// Accept embedding the Follow, Update of a Person, Add to a collection.
	`{"id":"https://archipel.example/activities/1","type":"Accept","actor":"https://archipel.example/users/bob","object":{"id":"https://mastodon.example/f/1","type":"Follow","actor":"https://mastodon.example/users/alice","object":"https://archipel.example/users/bob"}}`,
	`{"id":"https://mastodon.example/users/alice#updates/1","type":"Update","actor":"https://mastodon.example/users/alice","object":{"id":"https://mastodon.example/users/alice","type":"Person","inbox":"https://mastodon.example/users/alice/inbox"}}`,
	`{"id":"https://m.example/a/1","type":"Add","actor":"https://m.example/u/a","object":"https://m.example/n/1","target":"https://m.example/u/a/featured"}`,
	// Broken or hostile.
	`{"id":"https://m.example/a/1","type":["Follow","Like"],"actor":"https://m.example/u/a","object":"https://x.example/u/b"}`,
	`{"id":"https://m.example/a/1","type":[],"actor":"https://m.example/u/a"}`,
	`{"id":"https://m.example/a/1","type":"Follow","actor":["https://m.example/u/a","https://m.example/u/b"],"object":[["https://x.example/u/b"]]}`,
	`{"id":"https://m.example/a/1","type":"Follow","actor":[[["https://m.example/u/a"]]],"object":{"object":{"object":{"object":"x"}}}}`,
	`{"id":"https://m.example/a/1","type":"Follow","actor":{"id":"https://m.example/u/a","type":"Person"},"object":null}`,
	`{"id":"https://m.example/a/1","type":"Follow","actor":null,"object":"https://x.example/u/b"}`,
	`{"id":null,"type":null,"actor":null,"object":null}`,
	`{"id":1e999,"type":"Like","actor":"https://m.example/u/a","object":123456789012345678901234567890}`,
	`{"id":12,"type":"Follow","actor":true,"object":-0.0}`,
	`{"id":{"id":{"id":"x"}},"type":"Create","actor":"https://m.example/u/a","object":{"type":"Note","content":{"fr":"x"},"published":"not a date","to":"https://www.w3.org/ns/activitystreams#Public","tag":{"type":"Mention"}}}`,
	`{"type":"Create","actor":"","object":{"id":"https://m.example/n/1","type":"Note"}}`,
	`{"type":"Create","actor":{"id":""},"object":{}}`,
	`{"type":"Question","actor":"https://m.example/u/a"}`,
	`{"type":"Note","actor":"https://m.example/u/a","id":"https://m.example/n/1"}`,
	`{"type":"Person","id":"https://m.example/u/a"}`,
	`{"type":"Create","actor":"https://m.example/u/a","published":"2024-13-45T99:99:99Z","updated":12,"duration":"P-1Y","startTime":"x"}`,
	`{"type":"Create","actor":"https://m.example/u/a","object":{"type":"Note","attachment":[null,1,"x",{"type":"Document","url":[{"href":null}]}]}}`,
	`{"type":"Announce","actor":"https://m.example/u/a","object":{"type":"Announce","actor":"https://m.example/u/a","object":{"type":"Announce","actor":"https://m.example/u/a","object":{"type":"Create"}}}}`,
	`{"type":"Like","actor":"https://m.example/u/a","type":"Follow","actor":"","Actor":"https://x.example/u/b"}`,
	`{"type":"Like","actor":"https://m.example/u/a","object":"\u0000\ud800"}`,
	`[{"type":"Like","actor":"https://m.example/u/a"}]`,
	`"Follow"`, `null`, `{}`, `[]`, `1`, `{"type":"Follow"`, ``, `{"type":"Follow","actor":"https://m.example/u/a",}`,
}

func FuzzParseActivity(f *testing.F) {
	for _, s := range activitySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		act, err := inbox.ParseActivity(raw)
		if err != nil {
			if act != nil {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		if act == nil {
			t.Fatal("no error and no activity")
		}
		if act.Actor == nil || act.Actor.GetLink() == "" {
			t.Fatalf("activity %q without actor accepted", act.Type)
		}
	})
}

const seedMastodonPerson = `{"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1",{"manuallyApprovesFollowers":"as:manuallyApprovesFollowers","toot":"http://joinmastodon.org/ns#","featured":{"@id":"toot:featured","@type":"@id"},"PropertyValue":"schema:PropertyValue","value":"schema:value","schema":"http://schema.org#","discoverable":"toot:discoverable"}],"id":"https://mastodon.example/users/alice","type":"Person","following":"https://mastodon.example/users/alice/following","followers":"https://mastodon.example/users/alice/followers","inbox":"https://mastodon.example/users/alice/inbox","outbox":"https://mastodon.example/users/alice/outbox","featured":"https://mastodon.example/users/alice/collections/featured","preferredUsername":"alice","name":"Alice","summary":"<p>Urbaniste</p>","url":"https://mastodon.example/@alice","manuallyApprovesFollowers":false,"discoverable":true,"published":"2022-11-01T00:00:00Z","publicKey":{"id":"https://mastodon.example/users/alice#main-key","owner":"https://mastodon.example/users/alice","publicKeyPem":"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0\n-----END PUBLIC KEY-----\n"},"tag":[{"type":"Hashtag","href":"https://mastodon.example/tags/urbanisme","name":"#urbanisme"}],"attachment":[{"type":"PropertyValue","name":"Organisation","value":"Mairie"},{"type":"PropertyValue","name":"Skills","value":"urbanisme · marchés publics"}],"endpoints":{"sharedInbox":"https://mastodon.example/inbox"},"icon":{"type":"Image","mediaType":"image/png","url":"https://mastodon.example/a.png"}}`

const seedLemmyGroup = `{"@context":["https://join-lemmy.org/context.json","https://www.w3.org/ns/activitystreams"],"type":"Group","id":"https://lemmy.example/c/urbanisme","preferredUsername":"urbanisme","inbox":"https://lemmy.example/c/urbanisme/inbox","followers":"https://lemmy.example/c/urbanisme/followers","featured":"https://lemmy.example/c/urbanisme/featured","attributedTo":"https://lemmy.example/c/urbanisme/moderators","postingRestrictedToMods":false,"endpoints":{"sharedInbox":"https://lemmy.example/inbox"},"outbox":"https://lemmy.example/c/urbanisme/outbox","publicKey":{"id":"https://lemmy.example/c/urbanisme#main-key","owner":"https://lemmy.example/c/urbanisme","publicKeyPem":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"},"name":"Urbanisme","summary":"<p>Tout sur le PLU</p>","sensitive":false,"language":[{"identifier":"fr","name":"Français"}],"published":"2023-01-01T00:00:00Z"}`

var actorSeeds = []string{
	seedMastodonPerson,
	seedLemmyGroup,
	`{"id":"https://gts.example/users/d","type":"Person","inbox":"https://gts.example/users/d/inbox","publicKey":{"id":"https://gts.example/users/d/main-key","owner":"https://gts.example/users/d","publicKeyPem":"x"}}`,
	`{"id":"https://a.example/actor","type":"Application","inbox":"https://a.example/actor/inbox","publicKey":{"id":"https://b.example/actor#main-key","owner":"https://a.example/actor","publicKeyPem":"x"}}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/u/x/inbox","publicKey":{"id":"https://a.example/u/x#k","owner":"https://a.example/u/y","publicKeyPem":"x"}}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/u/x/inbox","publicKey":{"id":"#main-key","publicKeyPem":"x"}}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/u/x/inbox","publicKey":{"id":"//a.example/k","publicKeyPem":"x"}}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/u/x/inbox","publicKey":[{"id":"https://a.example/u/x#k","publicKeyPem":"x"}]}`,
	`{"id":"https://A.example:443/u/x","type":"Person","inbox":"https://a.example/u/x/inbox","publicKey":{"id":"https://a.example/u/x#k","publicKeyPem":"x"}}`,
	`{"id":"https://user@a.example/u/x","type":"Person","inbox":"https://a.example/u/x/inbox","publicKey":{"id":"https://a.example/u/x#k","publicKeyPem":"x"}}`,
	`{"id":"javascript://a.example/%0aalert(1)","type":"Person","inbox":"https://a.example/i"}`,
	`{"id":"https:///u/x","type":"Person","inbox":"https://a.example/i"}`,
	`{"id":"/u/x","type":"Person","inbox":"/inbox"}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"javascript:alert(1)"}`,
	`{"id":"https://a.example/u/x","type":"Person"}`,
	`{"id":"https://a.example/u/x","type":["Person","Service"],"inbox":"https://a.example/i"}`,
	`{"id":"https://a.example/u/x","type":"Note","inbox":"https://a.example/i"}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/i","attachment":{"type":"PropertyValue","name":"Skills","value":null},"tag":[null,{"type":["Hashtag"],"name":"#"}]}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/i","preferredUsername":{"fr":"x"},"name":12,"endpoints":"https://a.example/inbox"}`,
	`{"id":"https://a.example/u/x","type":"Person","inbox":"https://a.example/i","id":"https://b.example/u/y","ID":"https://c.example/u/z"}`,
	`{"id":1e400,"type":"Person"}`, `null`, `{}`, `[]`, `""`, `{"type":"Person"`,
}

func FuzzParseActor(f *testing.F) {
	for _, s := range actorSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := ap.ParseActor(raw)
		if err != nil {
			return
		}
		if a == nil {
			t.Fatal("no error and no actor")
		}
		id, err := url.Parse(a.URI)
		if err != nil || (id.Scheme != "https" && id.Scheme != "http") || id.Host == "" {
			t.Fatalf("actor accepted with id %q", a.URI)
		}
		if in, err := url.Parse(a.Inbox); err != nil || (in.Scheme != "https" && in.Scheme != "http") || in.Host == "" {
			t.Fatalf("actor accepted with inbox %q", a.Inbox)
		}
		if a.PublicKeyID != "" {
			k, err := url.Parse(a.PublicKeyID)
			if err != nil || !strings.EqualFold(k.Host, id.Host) {
				t.Fatalf("actor %s accepted with key %q on another host", a.URI, a.PublicKeyID)
			}
		}
	})
}

package ap

import (
	"strconv"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

// CollectionPageSize is how many items one page of a collection holds.
const CollectionPageSize = 20

// Collection is the summary document of an ordered collection: its size and
// a link to its first page (Mastodon's shape).
func Collection(id string, total int64, withPages bool) vocab.Item {
	c := vocab.OrderedCollectionNew(vocab.ID(id))
	c.TotalItems = uint(total)
	if withPages {
		c.First = vocab.IRI(id + "?page=true")
	}
	return c
}

// CollectionWithItems is a collection that carries its first items itself,
// besides the link to its pages: Lemmy reads a community's outbox and
// moderators from the collection's own orderedItems.
func CollectionWithItems(id string, total int64, items vocab.ItemCollection, withPages bool) vocab.Item {
	c := vocab.OrderedCollectionNew(vocab.ID(id))
	c.TotalItems = uint(total)
	c.OrderedItems = items
	if withPages {
		c.First = vocab.IRI(id + "?page=true")
	}
	return c
}

// CollectionPage is one page; next is the keyset cursor of the following
// page, or 0 when this is the last one.
func CollectionPage(collection string, cursor string, items vocab.ItemCollection, next int64) vocab.Item {
	id := collection + "?page=true"
	if cursor != "" {
		id += "&" + cursor
	}
	p := vocab.OrderedCollectionPageNew(&vocab.OrderedCollection{ID: vocab.ID(collection)})
	p.ID = vocab.ID(id)
	p.PartOf = vocab.IRI(collection)
	p.OrderedItems = items
	p.TotalItems = uint(len(items))
	if next > 0 {
		p.Next = vocab.IRI(collection + "?page=true&after=" + strconv.FormatInt(next, 10))
	}
	return p
}

// FeaturedTagsDocument is a person's featured tags collection (Mastodon's
// featuredTags): its skills as the Hashtags its document carries.
func (l Links) FeaturedTagsDocument(a *store.Actor) ([]byte, error) {
	tags := l.skillTags(a.Skills)
	c := vocab.CollectionNew(vocab.ID(l.FeaturedTags(a.URI)))
	c.TotalItems = uint(len(tags))
	return Marshal(c, map[string]any{"items": tags})
}

package inbox

import (
	"context"

	vocab "github.com/go-ap/activitypub"
)

func init() { handle(vocab.CreateType, create) }

// create: a peer publishes a post. It is kept when someone here follows its
// author, is addressed by it, or wrote the post it answers.
func create(ctx context.Context, p *Processor, in *incoming) error {
	it, raw, err := p.trustedObject(ctx, in)
	if err != nil {
		return err
	}
	n, err := p.readNote(ctx, it, raw, in.actor)
	if err != nil {
		return err
	}
	ok, err := p.wanted(ctx, n)
	if err != nil {
		return err
	}
	if !ok {
		return refused("unsolicited post %s", n.obj.URI)
	}
	return p.storeNote(ctx, n)
}

package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/documents"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.AddType, add) }

// add: a member on another node adds a document to one of our groups. The
// group's node fetches the file from the member's node, checks digest, size
// and type, keeps it, and announces the Add to every member node.
func add(ctx context.Context, p *Processor, in *incoming) error {
	if in.act.Target == nil {
		return refused("Add without target")
	}
	g, err := p.groupOfCollection(ctx, string(in.act.Target.GetLink()))
	if err != nil {
		return err
	}
	if err := p.requireMember(ctx, g, in.actor); err != nil {
		return err
	}
	doc, err := p.remoteDocument(in, true)
	if err != nil {
		return err
	}
	if existing, err := p.Store.DocumentByURI(ctx, doc.URI); err == nil && existing != nil {
		return nil // delivered again
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	folder := doc.Folder
	obj := &store.Object{URI: doc.URI, Type: "Document", AttributedTo: in.actor.ID, GroupID: &g.ID, Visibility: store.ObjGroup,
		Name: doc.Name, Summary: doc.Summary, URL: doc.URI}
	f, err := p.fetchDocumentFile(ctx, g, doc)
	if err != nil {
		return err
	}
	err = p.Store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.CreateObject(ctx, obj); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, obj.ID, folder, doc.Version); err != nil {
			return err
		}
		if _, err := tx.AddVersion(ctx, &store.Version{ObjectID: obj.ID, Version: doc.Version, SHA256: f.SHA256, Size: f.Size,
			MediaType: f.MediaType, FileName: f.Name, UploadedBy: &in.actor.ID, SourceURL: doc.URL, Stored: true}); err != nil {
			return err
		}
		return outbox.NotifyDocument(ctx, tx, obj)
	})
	if err != nil {
		p.Outbox.Discard(ctx, f)
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, doc.URI)
}

// documentVersion: a member on another node uploads a new version of a
// document of one of our groups (Update{Document}).
func (p *Processor) documentVersion(ctx context.Context, in *incoming, existing *store.Object) error {
	g, err := p.Store.GroupByActorID(ctx, *existing.GroupID)
	if err != nil {
		return err
	}
	if !g.Local {
		return refused("document versions of remote groups come from the group")
	}
	if err := p.requireMember(ctx, g, in.actor); err != nil {
		return err
	}
	d, err := p.Store.DocumentByObjectID(ctx, existing.ID)
	if err != nil {
		return err
	}
	if meta, err := p.sentDocument(in); err != nil {
		return err
	} else if cur := d.Current(); meta.URI == existing.URI && cur != nil && meta.Version == cur.Version && meta.SHA256 == cur.SHA256 {
		return p.documentMetadata(ctx, in, g, d, meta)
	}
	doc, err := p.remoteDocument(in, false)
	if err != nil {
		return err
	}
	if doc.URI != existing.URI {
		return refused("update of %s carries document %s", existing.URI, doc.URI)
	}
	for _, v := range d.Versions {
		if v.Version == doc.Version {
			return nil // delivered again
		}
	}
	if doc.Version != d.CurrentVersion+1 {
		return refused("version %d of %s does not follow %d", doc.Version, d.URI, d.CurrentVersion)
	}
	// Any member may add a version; renaming, moving or describing it anew
	// is the uploader's or the animators' (member nodes apply what the
	// group announces).
	renames := doc.Name != d.Name || doc.Folder != d.Folder || doc.Summary != d.Summary
	if renames {
		if ok, err := p.mayEditDocument(ctx, g, d, in.actor); err != nil {
			return err
		} else if !ok {
			return refused("%s may add a version of %s but not rename or move it", in.actor.URI, d.URI)
		}
	}
	f, err := p.fetchDocumentFile(ctx, g, doc)
	if err != nil {
		return err
	}
	if _, err := p.Store.AddVersion(ctx, &store.Version{ObjectID: d.ID, Version: doc.Version, SHA256: f.SHA256, Size: f.Size,
		MediaType: f.MediaType, FileName: f.Name, UploadedBy: &in.actor.ID, SourceURL: doc.URL, Stored: true}); err != nil {
		p.Outbox.Discard(ctx, f)
		return err
	}
	if renames {
		if err := p.Store.MoveDocument(ctx, d.ID, doc.Name, doc.Folder, doc.Summary, editTime(doc)); err != nil {
			return err
		}
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, d.URI)
}

// mayEditDocument: the uploader and the group's owners and animators may
// rename, move and describe a document.
func (p *Processor) mayEditDocument(ctx context.Context, g *store.Group, d *store.Document, a *store.Actor) (bool, error) {
	if d.AttributedTo == a.ID {
		return true, nil
	}
	m, err := p.Store.MembershipOf(ctx, g.ID, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return m.State == store.StateAccepted && (m.Role == store.MemberOwner || m.Role == store.MemberAnimator), nil
}

// documentMetadata applies, on the group's node, a rename, move or new
// description of a document by its uploader or the group's animators, and
// announces it to the member nodes.
func (p *Processor) documentMetadata(ctx context.Context, in *incoming, g *store.Group, d *store.Document, doc *ap.RemoteDocument) error {
	if ok, err := p.mayEditDocument(ctx, g, d, in.actor); err != nil {
		return err
	} else if !ok {
		return refused("%s may not rename or move %s", in.actor.URI, d.URI)
	}
	// Edit times travel with one-second precision: only a strictly older
	// edit is one delivered late.
	if d.Updated != nil && doc.Updated != nil && doc.Updated.Before(d.Updated.Truncate(time.Second)) {
		return nil // an older edit delivered late
	}
	if err := p.Store.MoveDocument(ctx, d.ID, doc.Name, doc.Folder, doc.Summary, editTime(doc)); err != nil {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, d.URI)
}

// maxClockSkew is how far ahead of ours a peer's clock may be.
const maxClockSkew = 5 * time.Minute

// editTime is when the peer says a document changed, or now.
func editTime(doc *ap.RemoteDocument) time.Time {
	if doc.Updated != nil {
		return *doc.Updated
	}
	return time.Now()
}

// parseDocument reads an embedded Document and refuses names, file names
// and folders this node would refuse from its own users.
func parseDocument(raw []byte) (*ap.RemoteDocument, error) {
	doc, err := ap.ParseDocument(raw)
	if err != nil {
		return nil, refused("%v", err)
	}
	if doc.Name, err = documents.CheckName(doc.Name); err != nil {
		return nil, refused("document name: %v", err)
	}
	if doc.FileName, err = documents.CheckName(doc.FileName); err != nil {
		return nil, refused("document file name: %v", err)
	}
	if doc.Folder, err = documents.CheckFolder(doc.Folder); err != nil {
		return nil, refused("document folder: %v", err)
	}
	if utf8.RuneCountInString(doc.Summary) > 4*outbox.MaxDescription {
		return nil, refused("document description too long")
	}
	// An edit dated in the future would make every later one look late.
	if now := time.Now(); doc.Updated != nil && doc.Updated.After(now.Add(maxClockSkew)) {
		doc.Updated = &now
	}
	return doc, nil
}

// sentDocument reads the Document embedded in the activity a member sent.
func (p *Processor) sentDocument(in *incoming) (*ap.RemoteDocument, error) {
	raw, err := embeddedRaw(in.row.Raw)
	if err != nil {
		return nil, err
	}
	return parseDocument(raw)
}

// remoteDocument reads the Document a member sent. Its file is always on the
// sender's node; a new document is also the sender's own, on its host (a new
// version may be of someone else's document).
func (p *Processor) remoteDocument(in *incoming, isNew bool) (*ap.RemoteDocument, error) {
	doc, err := p.sentDocument(in)
	if err != nil {
		return nil, err
	}
	if !sameHost(doc.URL, in.actor.URI) {
		return nil, refused("the file of %s is not on %s's node", doc.URI, in.actor.URI)
	}
	if isNew && (doc.AttributedTo != in.actor.URI || !sameHost(doc.URI, in.actor.URI)) {
		return nil, refused("document %s is not %s's own", doc.URI, in.actor.URI)
	}
	return doc, nil
}

// fetchDocumentFile gets a member's file, signed by the group.
func (p *Processor) fetchDocumentFile(ctx context.Context, g *store.Group, doc *ap.RemoteDocument) (*outbox.StoredFile, error) {
	if doc.Size > p.Outbox.MaxUploadBytes() {
		return nil, refused("document of %d bytes is over this node's limit", doc.Size)
	}
	signer, err := federation.SignerFor(g.Actor)
	if err != nil {
		return nil, err
	}
	resp, err := p.Federator.FetchFile(ctx, doc.URL, signer)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	f, err := p.Outbox.StoreFetchedFile(ctx, doc.FileName, resp.Body, doc.SHA256, doc.Size)
	if err != nil {
		return nil, refused("file of %s: %v", doc.URI, err)
	}
	return f, nil
}

// groupOfCollection finds our group from its documents collection (or its
// own id).
func (p *Processor) groupOfCollection(ctx context.Context, target string) (*store.Group, error) {
	for _, suffix := range []string{"/documents", ""} {
		if len(target) > len(suffix) && target[len(target)-len(suffix):] == suffix {
			if g, err := p.localGroup(ctx, target[:len(target)-len(suffix)]); err == nil {
				return g, nil
			}
		}
	}
	return nil, refused("%s is not a documents collection of this node", target)
}

func (p *Processor) requireMember(ctx context.Context, g *store.Group, a *store.Actor) error {
	m, err := p.Store.MembershipOf(ctx, g.ID, a.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.State != store.StateAccepted) {
		return refused("%s is not a member of %s", a.URI, g.URI)
	}
	return err
}

// groupDocument records, on a member node, a document version announced by
// its group; the bytes are fetched from the group's node when someone here
// asks for them.
func (p *Processor) groupDocument(ctx context.Context, g, uploader *store.Actor, innerRaw []byte, isNew bool) error {
	raw, err := embeddedRaw(innerRaw)
	if err != nil {
		return err
	}
	doc, err := parseDocument(raw)
	if err != nil {
		return err
	}
	if isNew && (doc.AttributedTo != uploader.URI || !sameHost(doc.URI, uploader.URI)) {
		return refused("document %s is not by %s", doc.URI, uploader.URI)
	}
	inGroup := false
	for _, a := range doc.Audience {
		inGroup = inGroup || a == g.URI
	}
	if !inGroup {
		return refused("%s announced document %s, which is not addressed to it", g.URI, doc.URI)
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		d, err := tx.DocumentByURI(ctx, doc.URI)
		var objectID int64
		switch {
		case errors.Is(err, store.ErrNotFound):
			if !isNew {
				return refused("new version of unknown document %s", doc.URI)
			}
			obj := &store.Object{URI: doc.URI, Type: "Document", AttributedTo: uploader.ID, GroupID: &g.ID, Visibility: store.ObjGroup,
				Name: doc.Name, Summary: doc.Summary, URL: doc.URI}
			if _, err := tx.CreateObject(ctx, obj); err != nil {
				return err
			}
			if obj.ID == 0 {
				return fmt.Errorf("document %s exists but is not a document", doc.URI)
			}
			if err := tx.CreateDocument(ctx, obj.ID, doc.Folder, doc.Version); err != nil {
				return err
			}
			if err := outbox.NotifyDocument(ctx, tx, obj); err != nil {
				return err
			}
			objectID = obj.ID
		case err != nil:
			return err
		default:
			if d.GroupID == nil || *d.GroupID != g.ID || d.DeletedAt != nil {
				return refused("%s cannot change document %s", g.URI, doc.URI)
			}
			objectID = d.ID
		}
		// A version uploaded here keeps its local bytes (AddVersion leaves
		// an existing version as it is); the others come from the group.
		if _, err = tx.AddVersion(ctx, &store.Version{ObjectID: objectID, Version: doc.Version, SHA256: doc.SHA256, Size: doc.Size,
			MediaType: doc.MediaType, FileName: doc.FileName, UploadedBy: &uploader.ID, SourceURL: ap.GroupFile(g.URI, doc.SHA256)}); err != nil {
			return err
		}
		// The group says what the document is called and where it is filed
		// now, unless this is an older change delivered late.
		if d == nil || doc.Version < d.CurrentVersion || (d.Updated != nil && doc.Updated != nil && doc.Updated.Before(d.Updated.Truncate(time.Second))) {
			return nil
		}
		if d.Name == doc.Name && d.Folder == doc.Folder && d.Summary == doc.Summary {
			return nil
		}
		return tx.MoveDocument(ctx, objectID, doc.Name, doc.Folder, doc.Summary, editTime(doc))
	})
}

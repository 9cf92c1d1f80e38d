package outbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/documents"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
)

// DefaultMaxUpload is the default size limit of one file (100 MiB).
const DefaultMaxUpload = 100 << 20

// MaxDescription bounds a document's description.
const MaxDescription = 2000

// MediaTypeError is a file whose type is not accepted.
type MediaTypeError struct{ Type string }

func (e *MediaTypeError) Error() string {
	return fmt.Sprintf("files of type %s are not accepted (PDF, office documents, text and images are)", e.Type)
}

// ErrTooLarge is a file over the node's limit.
var ErrTooLarge = storage.ErrTooLarge

// StoredFile is an uploaded file, checked and in storage, not yet part of
// a document.
type StoredFile struct {
	storage.Blob
	Name      string
	MediaType string
}

// StoreFile checks a file's name and type and streams it into storage; the
// type comes from the first bytes, never from the name alone. A refused or
// oversized file leaves nothing behind.
func (o *Outbox) StoreFile(ctx context.Context, name string, body io.Reader) (*StoredFile, error) {
	name, err := documents.CheckName(name)
	if err != nil {
		return nil, fieldErr("file", "%v", err)
	}
	br := bufio.NewReaderSize(body, documents.SniffBytes)
	head, _ := br.Peek(documents.SniffBytes)
	mediaType := documents.Detect(head, name)
	if !documents.Allowed[mediaType] {
		return nil, &MediaTypeError{Type: mediaType}
	}
	blob, err := o.Blobs.Put(ctx, br, o.maxUpload())
	if err != nil {
		return nil, err
	}
	return &StoredFile{Blob: blob, Name: name, MediaType: mediaType}, nil
}

func (o *Outbox) maxUpload() int64 {
	if o.MaxUpload <= 0 {
		return DefaultMaxUpload
	}
	return o.MaxUpload
}

// MaxUploadBytes is the node's limit on one file.
func (o *Outbox) MaxUploadBytes() int64 { return o.maxUpload() }

// StoreFetchedFile stores a file fetched from a peer and checks it is what
// the peer announced: same digest, same size, an accepted type.
func (o *Outbox) StoreFetchedFile(ctx context.Context, name string, body io.Reader, sha string, size int64) (*StoredFile, error) {
	if size > o.maxUpload() {
		return nil, ErrTooLarge
	}
	f, err := o.StoreFile(ctx, name, io.LimitReader(body, size+1))
	if err != nil {
		return nil, err
	}
	if f.SHA256 != sha || f.Size != size {
		o.Discard(ctx, f)
		return nil, fmt.Errorf("fetched file does not match the document: digest %s size %d, announced %s size %d", f.SHA256, f.Size, sha, size)
	}
	return f, nil
}

// Discard removes a stored file that will not be used, unless a version
// already shares its bytes.
func (o *Outbox) Discard(ctx context.Context, f *StoredFile) {
	if f != nil {
		o.forget(ctx, f.Blob)
	}
}

// forget removes bytes stored for an upload that did not go through, unless
// another version shares them.
func (o *Outbox) forget(ctx context.Context, blob storage.Blob) {
	if !blob.New {
		return
	}
	if used, err := o.Store.BlobInUse(ctx, blob.SHA256); err == nil && !used {
		_ = o.Blobs.Delete(ctx, blob.SHA256)
	}
}

// CanUpload checks, before any byte is stored, that actor may add files to
// a group.
func (o *Outbox) CanUpload(ctx context.Context, groupID int64, actor *store.Actor) error {
	_, err := o.memberOf(ctx, groupID, actor)
	return err
}

// memberOf checks that actor is an accepted member of a group.
func (o *Outbox) memberOf(ctx context.Context, groupID int64, actor *store.Actor) (*store.Group, error) {
	g, err := o.Store.GroupByActorID(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m, err := o.Store.MembershipOf(ctx, g.ID, actor.ID)
	if isNotFound(err) || (err == nil && m.State != store.StateAccepted) {
		if g.Visibility == store.VisibilitySecret {
			return nil, ErrNotFound
		}
		return nil, ErrForbidden
	} else if err != nil {
		return nil, err
	}
	return g, nil
}

// UploadDocument adds a file to a group: stored here, then offered to the
// group with Add{Document} (announced to the member nodes when the group is
// ours, sent to the group's node otherwise).
// The file is discarded when the document cannot be created.
func (o *Outbox) UploadDocument(ctx context.Context, author *store.Actor, groupID int64, f *StoredFile, description, folder string) (*store.Document, error) {
	d, err := o.uploadDocument(ctx, author, groupID, f, description, folder)
	if err != nil {
		o.Discard(ctx, f)
	}
	return d, err
}

func (o *Outbox) uploadDocument(ctx context.Context, author *store.Actor, groupID int64, f *StoredFile, description, folder string) (*store.Document, error) {
	g, err := o.memberOf(ctx, groupID, author)
	if err != nil {
		return nil, err
	}
	if folder, err = documents.CheckFolder(folder); err != nil {
		return nil, fieldErr("folder", "%v", err)
	}
	if utf8.RuneCountInString(description) > MaxDescription {
		return nil, fieldErr("description", "at most %d characters", MaxDescription)
	}
	if !utf8.ValidString(description) || strings.ContainsRune(description, 0) {
		// The readers refuse it first; PostgreSQL would, with a 500.
		return nil, fieldErr("description", "must be UTF-8 text without NUL characters")
	}
	blob, name, mediaType := f.Blob, f.Name, f.MediaType
	obj := &store.Object{Type: "Document", Local: true, AttributedTo: author.ID, GroupID: &g.ID, Visibility: store.ObjGroup,
		Name: name, Summary: strings.TrimSpace(description)}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		obj.URI = o.Links.Activity(store.NewID())
		if _, err := tx.CreateObject(ctx, obj); err != nil {
			return err
		}
		obj.URI = o.Links.DocumentURI(obj.ID)
		obj.URL = obj.URI
		if err := tx.SetObjectURI(ctx, obj.ID, obj.URI, obj.URL); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, obj.ID, folder, 1); err != nil {
			return err
		}
		v := &store.Version{ObjectID: obj.ID, Version: 1, SHA256: blob.SHA256, Size: blob.Size, MediaType: mediaType,
			FileName: name, UploadedBy: &author.ID, Stored: true}
		if _, err := tx.AddVersion(ctx, v); err != nil {
			return err
		}
		if err := NotifyDocument(ctx, tx, obj); err != nil {
			return err
		}
		d := &store.Document{Object: obj, Folder: folder, CurrentVersion: 1, Versions: []store.Version{*v}}
		ds, err = o.publishDocument(ctx, tx, vocab.AddType, author, g, d, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.DocumentByObjectID(ctx, obj.ID)
}

// AddDocumentVersion makes a stored file the new version of a document; the
// old versions stay downloadable. The file is discarded on failure.
func (o *Outbox) AddDocumentVersion(ctx context.Context, author *store.Actor, docID int64, f *StoredFile) (*store.Document, error) {
	d, err := o.addDocumentVersion(ctx, author, docID, f)
	if err != nil {
		o.Discard(ctx, f)
	}
	return d, err
}

func (o *Outbox) addDocumentVersion(ctx context.Context, author *store.Actor, docID int64, f *StoredFile) (*store.Document, error) {
	d, err := o.Store.DocumentByObjectID(ctx, docID)
	if err != nil {
		return nil, err
	}
	if d.DeletedAt != nil || d.GroupID == nil {
		return nil, ErrNotFound
	}
	g, err := o.memberOf(ctx, *d.GroupID, author)
	if err != nil {
		return nil, err
	}
	v := &store.Version{ObjectID: d.ID, Version: d.CurrentVersion + 1, SHA256: f.SHA256, Size: f.Size,
		MediaType: f.MediaType, FileName: f.Name, UploadedBy: &author.ID, Stored: true}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if ok, err := tx.AddVersion(ctx, v); err != nil {
			return err
		} else if !ok {
			return fieldErr("file", "another version was added at the same time; try again")
		}
		now := time.Now().UTC().Truncate(time.Second) // as peers will read it back
		d.Updated = &now
		d.CurrentVersion = v.Version
		d.Versions = append([]store.Version{*v}, d.Versions...)
		var err error
		ds, err = o.publishDocument(ctx, tx, vocab.UpdateType, author, g, d, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.DocumentByObjectID(ctx, d.ID)
}

// publishDocument sends Add or Update of a document version: to the group's
// node when the group is remote (it fetches the file from us), announced by
// the group to its member nodes when it is ours.
func (o *Outbox) publishDocument(ctx context.Context, tx *store.Store, typ vocab.ActivityVocabularyType, actor *store.Actor, g *store.Group, d *store.Document, v *store.Version) ([]store.Delivery, error) {
	author := actor
	if d.Author != nil {
		author = d.Author
	}
	addr := ap.Address(d.Object, author, g.Actor, nil)
	// The file is where its bytes are: the group's node serves every
	// version it holds; a member's node serves only what was uploaded there
	// (what the group's node then fetches).
	fileURL := o.Links.UploadFile(v.SHA256)
	if g.Local || !v.Stored {
		fileURL = ap.GroupFile(g.URI, v.SHA256)
	}
	docJSON, _, err := ap.DocumentDocument(d, v, author, g.Actor, addr, fileURL)
	if err != nil {
		return nil, err
	}
	act := ap.NewActivity(typ, o.Links.Activity(store.NewID()), actor.URI, vocab.IRI(d.URI), addr.To, addr.CC)
	act.Audience = addr.Audience
	if typ == vocab.AddType {
		act.Target = vocab.IRI(o.Links.DocumentsCollection(g.URI))
	}
	raw, err := ap.Marshal(act, map[string]any{"object": rawJSON(docJSON)})
	if err != nil {
		return nil, err
	}
	ds, err := o.publishRaw(ctx, tx, actor, act, raw, d.URI, inboxesOf(g.Actor))
	if err != nil || !g.Local {
		return ds, err
	}
	more, err := o.announceInGroup(ctx, tx, g, raw, d.URI)
	return append(ds, more...), err
}

// EditDocument renames, moves or describes a document: its uploader or the
// group's animators may. The change federates as an Update of the current
// version, through the group.
func (o *Outbox) EditDocument(ctx context.Context, acct *store.Account, docID int64, name, folder, description *string) (*store.Document, error) {
	d, err := o.editableDocument(ctx, acct, docID)
	if err != nil {
		return nil, err
	}
	newName, newFolder, newDesc := d.Name, d.Folder, d.Summary
	if name != nil {
		if newName, err = documents.CheckName(*name); err != nil {
			return nil, fieldErr("name", "%v", err)
		}
	}
	if folder != nil {
		if newFolder, err = documents.CheckFolder(*folder); err != nil {
			return nil, fieldErr("folder", "%v", err)
		}
	}
	if description != nil {
		if utf8.RuneCountInString(*description) > MaxDescription {
			return nil, fieldErr("description", "at most %d characters", MaxDescription)
		}
		newDesc = strings.TrimSpace(*description)
	}
	editor, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return nil, err
	}
	g, err := o.Store.GroupByActorID(ctx, *d.GroupID)
	if err != nil {
		return nil, err
	}
	cur := d.Current()
	if cur == nil {
		return nil, ErrNotFound
	}
	now := time.Now().UTC().Truncate(time.Second) // as peers will read it back
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.MoveDocument(ctx, d.ID, newName, newFolder, newDesc, now); err != nil {
			return err
		}
		d.Name, d.Folder, d.Summary, d.Updated = newName, newFolder, newDesc, &now
		// The same version with new metadata: the group's node applies it and
		// announces it to every member node, like a new version.
		var err error
		ds, err = o.publishDocument(ctx, tx, vocab.UpdateType, editor, g, d, cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.DocumentByObjectID(ctx, d.ID)
}

// editableDocument loads a live document the account may change.
func (o *Outbox) editableDocument(ctx context.Context, acct *store.Account, docID int64) (*store.Document, error) {
	d, err := o.Store.DocumentByObjectID(ctx, docID)
	if err != nil {
		return nil, err
	}
	if d.DeletedAt != nil || d.GroupID == nil {
		return nil, ErrNotFound
	}
	if d.AttributedTo == acct.ActorID {
		return d, nil
	}
	g, err := o.Store.GroupByActorID(ctx, *d.GroupID)
	if err != nil {
		return nil, err
	}
	if ok, err := o.CanModerate(ctx, acct, g); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrForbidden
	}
	return d, nil
}

// DeleteDocument removes a document: by its uploader (sent like a post's
// deletion) or by an animator of its local group (sent by the group).
func (o *Outbox) DeleteDocument(ctx context.Context, acct *store.Account, docID int64) error {
	d, err := o.editableDocument(ctx, acct, docID)
	if err != nil {
		return err
	}
	if d.AttributedTo != acct.ActorID {
		return o.DeleteInGroup(ctx, acct, docID)
	}
	author, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return err
	}
	if err := o.DeleteNote(ctx, author, docID); err != nil && !errors.Is(err, ErrForbidden) {
		return err
	}
	return nil
}

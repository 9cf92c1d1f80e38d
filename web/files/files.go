// Package files streams the stored versions of documents to browsers, API
// clients and peers, and brings here on demand the versions of a remote
// group's documents. The web interface, the client API and the ActivityPub
// GETs share it.
package files

import (
	"context"
	"errors"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// ServeVersion streams a stored version of a document with its digest as
// ETag, range requests, and a download disposition (a file is never shown
// inline, so no upload can run script on this origin). It writes nothing
// and returns the storage's error (storage.ErrNotFound when the bytes are
// not here) when the file cannot be opened, so that each caller answers
// in its own way: JSON for the API, a page for the web interface.
func ServeVersion(w http.ResponseWriter, r *http.Request, o *outbox.Outbox, v *store.Version) error {
	f, _, err := o.Blobs.Open(r.Context(), v.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", v.MediaType)
	h.Set("ETag", `"`+v.SHA256+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": v.FileName}))
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	http.ServeContent(w, r, v.FileName, v.CreatedAt, f)
	return nil
}

// ServeForAPI is ServeVersion for a peer or an API client: a file that
// cannot be served answers with a JSON error.
func ServeForAPI(w http.ResponseWriter, r *http.Request, o *outbox.Outbox, v *store.Version) {
	err := ServeVersion(w, r, o, v)
	if errors.Is(err, storage.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "file not stored here")
	} else if err != nil {
		respond.Fail(w, err)
	}
}

// FetchVersion brings here a version of a remote group's document that is
// not stored yet: fetched from the group's node, signed by the member who
// asks (me; nil gives store.ErrNotFound), checked against its digest and
// size, kept, and marked stored (v.Stored becomes true).
func FetchVersion(ctx context.Context, st *store.Store, o *outbox.Outbox, fed *federation.Federator, me *store.Actor, d *store.Document, v *store.Version) error {
	if me == nil || v.SourceURL == "" {
		return store.ErrNotFound
	}
	signer, err := federation.SignerFor(me)
	if err != nil {
		return err
	}
	resp, err := fed.FetchFile(ctx, v.SourceURL, signer)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := o.StoreFetchedFile(ctx, v.FileName, resp.Body, v.SHA256, v.Size); err != nil {
		return err
	}
	v.Stored = true
	return st.MarkStored(ctx, d.ID, v.Version)
}

// RawFileName is the file name of a multipart part as the client sent it:
// multipart's FileName strips any path, which would hide a name we must
// refuse.
func RawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

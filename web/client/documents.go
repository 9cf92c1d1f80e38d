package client

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/files"
	"github.com/archipel-social/archipel/web/respond"
)

// maxFormField bounds the text fields that come with an upload.
const maxFormField = 8 << 10

// readField reads a small text field of a multipart form.
func readField(p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxFormField {
		return "", respond.BadInput("form field too long")
	}
	if !respond.GoodText(string(b)) {
		return "", respond.BadInput("form fields must be UTF-8 text without NUL characters")
	}
	return string(b), nil
}

// uploadForm streams a multipart upload: the file goes straight to storage
// (never whole in memory), the text fields are read as they come.
func (api *API) uploadForm(w http.ResponseWriter, r *http.Request, me *store.Actor) (*outbox.StoredFile, map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, api.Outbox.MaxUploadBytes()+respond.MaxJSONBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, respond.BadInput("send the file as multipart/form-data with a \"file\" field")
	}
	fields := map[string]string{}
	var file *outbox.StoredFile
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			api.Outbox.Discard(r.Context(), file)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, outbox.ErrTooLarge
			}
			return nil, nil, respond.BadInput("malformed multipart body")
		}
		switch name := part.FormName(); name {
		case "file":
			if file != nil {
				api.Outbox.Discard(r.Context(), file)
				return nil, nil, respond.BadInput("one file per request")
			}
			file, err = api.Outbox.StoreFile(r.Context(), files.RawFileName(part), part)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					err = outbox.ErrTooLarge
				}
				return nil, nil, err
			}
		case "description", "folder", "name":
			v, err := readField(part)
			if err != nil {
				api.Outbox.Discard(r.Context(), file)
				return nil, nil, err
			}
			fields[name] = v
		}
		part.Close()
	}
	if file == nil {
		return nil, nil, respond.InvalidField("file", "a file is required")
	}
	return file, fields, nil
}

func (api *API) apiUploadDocument(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.CanUpload(r.Context(), g.ID, me); err != nil {
		respond.Fail(w, err)
		return
	}
	file, fields, err := api.uploadForm(w, r, me)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	d, err := api.Outbox.UploadDocument(r.Context(), me, g.ID, file, fields["description"], fields["folder"])
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.documentEntity(r, d))
}

func (api *API) apiGroupDocuments(w http.ResponseWriter, r *http.Request) {
	g, m, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	if g.Visibility != store.VisibilityPublic && (m == nil || m.State != store.StateAccepted) {
		respond.Fail(w, outbox.ErrForbidden)
		return
	}
	q := store.DocumentQuery{GroupID: g.ID, Text: strings.TrimSpace(r.URL.Query().Get("q"))}
	if r.URL.Query().Has("folder") {
		f := strings.Trim(r.URL.Query().Get("folder"), "/")
		q.Folder = &f
	}
	api.writeDocuments(w, r, q)
}

// apiSearchDocuments searches the documents of every group the caller is in.
func (api *API) apiSearchDocuments(w http.ResponseWriter, r *http.Request) {
	api.writeDocuments(w, r, store.DocumentQuery{MemberID: auth.Account(r).ActorID, Text: strings.TrimSpace(r.URL.Query().Get("q"))})
}

func (api *API) writeDocuments(w http.ResponseWriter, r *http.Request, q store.DocumentQuery) {
	if len(q.Text) > 200 {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "q: at most 200 characters", "field": "q"})
		return
	}
	docs, err := api.Store.Documents(r.Context(), q)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]documentJSON, 0, len(docs))
	for _, d := range docs {
		out = append(out, api.documentEntity(r, d))
	}
	respond.JSON(w, http.StatusOK, out)
}

// documentForViewer loads a document the API caller may read: 404 in a
// secret group or for no such document, 403 for a non-member of a private one.
func (api *API) documentForViewer(w http.ResponseWriter, r *http.Request) (*store.Document, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	var d *store.Document
	var err error = store.ErrNotFound
	if ok {
		d, err = api.Store.DocumentByObjectID(r.Context(), id)
	}
	if err == nil && (d.DeletedAt != nil || d.GroupID == nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	g, err := api.Store.GroupByActorID(r.Context(), *d.GroupID)
	if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	if g.Visibility == store.VisibilityPublic {
		return d, true
	}
	acct := auth.Account(r)
	member := false
	if acct != nil {
		m, err := api.Store.MembershipOf(r.Context(), g.ID, acct.ActorID)
		member = err == nil && m.State == store.StateAccepted
	}
	switch {
	case member:
		return d, true
	case g.Visibility == store.VisibilitySecret:
		// Signed in or not, exactly what a missing document answers.
		respond.Fail(w, store.ErrNotFound)
	case acct == nil:
		respond.Error(w, http.StatusUnauthorized, "documents of this group are for its members: sign in")
	default:
		respond.Fail(w, outbox.ErrForbidden)
	}
	return nil, false
}

func (api *API) apiDocument(w http.ResponseWriter, r *http.Request) {
	if d, ok := api.documentForViewer(w, r); ok {
		respond.JSON(w, http.StatusOK, api.documentEntity(r, d))
	}
}

// apiDocumentFile downloads a version (the current one by default). A
// version of a remote group not yet here is fetched from the group's node,
// signed by the member who asks, checked against its digest, kept, then
// served.
func (api *API) apiDocumentFile(w http.ResponseWriter, r *http.Request) {
	d, ok := api.documentForViewer(w, r)
	if !ok {
		return
	}
	v := d.Current()
	if q := r.URL.Query().Get("version"); q != "" {
		n, _ := strconv.Atoi(q)
		v = nil
		for i := range d.Versions {
			if d.Versions[i].Version == n {
				v = &d.Versions[i]
			}
		}
	}
	if v == nil {
		respond.Error(w, http.StatusNotFound, "no such version")
		return
	}
	if !v.Stored {
		if err := api.fetchVersion(r, d, v); err != nil {
			remoteError(w, err)
			return
		}
	}
	files.ServeForAPI(w, r, api.Outbox, v)
}

func (api *API) fetchVersion(r *http.Request, d *store.Document, v *store.Version) error {
	acct := auth.Account(r)
	if acct == nil || v.SourceURL == "" {
		return store.ErrNotFound
	}
	me, err := api.Store.ActorByID(r.Context(), acct.ActorID)
	if err != nil {
		return err
	}
	return files.FetchVersion(r.Context(), api.Store, api.Outbox, api.Federator, me, d, v)
}

func (api *API) apiDocumentVersion(w http.ResponseWriter, r *http.Request) {
	d, ok := api.documentForViewer(w, r)
	if !ok {
		return
	}
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.CanUpload(r.Context(), *d.GroupID, me); err != nil {
		respond.Fail(w, err)
		return
	}
	file, _, err := api.uploadForm(w, r, me)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	updated, err := api.Outbox.AddDocumentVersion(r.Context(), me, d.ID, file)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.documentEntity(r, updated))
}

type documentEditInput struct {
	Name        *string `json:"name"`
	Folder      *string `json:"folder"`
	Description *string `json:"description"`
}

func (api *API) apiEditDocument(w http.ResponseWriter, r *http.Request) {
	d, ok := api.documentForViewer(w, r)
	if !ok {
		return
	}
	var in documentEditInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	updated, err := api.Outbox.EditDocument(r.Context(), auth.Account(r), d.ID, in.Name, in.Folder, in.Description)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.documentEntity(r, updated))
}

func (api *API) apiDeleteDocument(w http.ResponseWriter, r *http.Request) {
	d, ok := api.documentForViewer(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.DeleteDocument(r.Context(), auth.Account(r), d.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.documentEntity(r, d))
}

package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// maxFormField bounds the text fields that come with an upload.
const maxFormField = 8 << 10

type documentJSON struct {
	ID          string        `json:"id"`
	URI         string        `json:"uri"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Folder      string        `json:"folder"`
	GroupID     string        `json:"group_id"`
	Account     accountJSON   `json:"account"`
	MediaType   string        `json:"media_type"`
	Size        int64         `json:"size"`
	SHA256      string        `json:"sha256"`
	Version     int           `json:"version"`
	Versions    []versionJSON `json:"versions"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   *time.Time    `json:"updated_at"`
	FileURL     string        `json:"file_url"`
}

type versionJSON struct {
	store.Version
	FileURL string `json:"file_url"`
}

func (s *Server) documentEntity(r *http.Request, d *store.Document) documentJSON {
	id := strconv.FormatInt(d.ID, 10)
	out := documentJSON{ID: id, URI: d.URI, Name: d.Name, Description: d.Summary, Folder: d.Folder,
		GroupID: strconv.FormatInt(*d.GroupID, 10), Account: s.accountEntity(r.Context(), d.Author),
		Version: d.CurrentVersion, CreatedAt: d.Published.UTC(), UpdatedAt: d.Updated,
		FileURL: s.Links.Base + "/api/v1/documents/" + id + "/file", Versions: []versionJSON{}}
	if v := d.Current(); v != nil {
		out.MediaType, out.Size, out.SHA256 = v.MediaType, v.Size, v.SHA256
	}
	for _, v := range d.Versions {
		out.Versions = append(out.Versions, versionJSON{Version: v, FileURL: out.FileURL + "?version=" + strconv.Itoa(v.Version)})
	}
	return out
}

// readField reads a small text field of a multipart form.
func readField(p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxFormField {
		return "", &badInput{"form field too long"}
	}
	return string(b), nil
}

// uploadForm streams a multipart upload: the file goes straight to storage
// (never whole in memory), the text fields are read as they come.
func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request, me *store.Actor) (*outbox.StoredFile, map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.Outbox.MaxUploadBytes()+maxJSONBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, &badInput{"send the file as multipart/form-data with a \"file\" field"}
	}
	fields := map[string]string{}
	var file *outbox.StoredFile
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.Outbox.Discard(r.Context(), file)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, outbox.ErrTooLarge
			}
			return nil, nil, &badInput{"malformed multipart body"}
		}
		switch name := part.FormName(); name {
		case "file":
			if file != nil {
				s.Outbox.Discard(r.Context(), file)
				return nil, nil, &badInput{"one file per request"}
			}
			file, err = s.Outbox.StoreFile(r.Context(), RawFileName(part), part)
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
				s.Outbox.Discard(r.Context(), file)
				return nil, nil, err
			}
			fields[name] = v
		}
		part.Close()
	}
	if file == nil {
		return nil, nil, &fieldError{"file", "a file is required"}
	}
	return file, fields, nil
}

type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func (s *Server) apiUploadDocument(w http.ResponseWriter, r *http.Request) {
	g, _, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	if err := s.Outbox.CanUpload(r.Context(), g.ID, me); err != nil {
		writeError(w, err)
		return
	}
	file, fields, err := s.uploadForm(w, r, me)
	if err != nil {
		writeError(w, err)
		return
	}
	d, err := s.Outbox.UploadDocument(r.Context(), me, g.ID, file, fields["description"], fields["folder"])
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.documentEntity(r, d))
}

func (s *Server) apiGroupDocuments(w http.ResponseWriter, r *http.Request) {
	g, m, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	if g.Visibility != store.VisibilityPublic && (m == nil || m.State != store.StateAccepted) {
		writeError(w, outbox.ErrForbidden)
		return
	}
	q := store.DocumentQuery{GroupID: g.ID, Text: strings.TrimSpace(r.URL.Query().Get("q"))}
	if r.URL.Query().Has("folder") {
		f := strings.Trim(r.URL.Query().Get("folder"), "/")
		q.Folder = &f
	}
	s.writeDocuments(w, r, q)
}

// apiSearchDocuments searches the documents of every group the caller is in.
func (s *Server) apiSearchDocuments(w http.ResponseWriter, r *http.Request) {
	s.writeDocuments(w, r, store.DocumentQuery{MemberID: currentAccount(r).ActorID, Text: strings.TrimSpace(r.URL.Query().Get("q"))})
}

func (s *Server) writeDocuments(w http.ResponseWriter, r *http.Request, q store.DocumentQuery) {
	if len(q.Text) > 200 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "q: at most 200 characters", "field": "q"})
		return
	}
	docs, err := s.Store.Documents(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]documentJSON, 0, len(docs))
	for _, d := range docs {
		out = append(out, s.documentEntity(r, d))
	}
	writeJSON(w, http.StatusOK, out)
}

// documentForViewer loads a document the API caller may read: 404 in a
// secret group or for no such document, 403 for a non-member of a private one.
func (s *Server) documentForViewer(w http.ResponseWriter, r *http.Request) (*store.Document, bool) {
	id, ok := parseID(chi.URLParam(r, "id"))
	var d *store.Document
	var err error = store.ErrNotFound
	if ok {
		d, err = s.Store.DocumentByObjectID(r.Context(), id)
	}
	if err == nil && (d.DeletedAt != nil || d.GroupID == nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	g, err := s.Store.GroupByActorID(r.Context(), *d.GroupID)
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	if g.Visibility == store.VisibilityPublic {
		return d, true
	}
	acct := currentAccount(r)
	if acct == nil {
		apiError(w, http.StatusUnauthorized, "documents of this group are for its members: sign in")
		return nil, false
	}
	if m, err := s.Store.MembershipOf(r.Context(), g.ID, acct.ActorID); err != nil || m.State != store.StateAccepted {
		if g.Visibility == store.VisibilitySecret {
			writeError(w, store.ErrNotFound)
		} else {
			writeError(w, outbox.ErrForbidden)
		}
		return nil, false
	}
	return d, true
}

func (s *Server) apiDocument(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.documentForViewer(w, r); ok {
		writeJSON(w, http.StatusOK, s.documentEntity(r, d))
	}
}

// apiDocumentFile downloads a version (the current one by default). A
// version of a remote group not yet here is fetched from the group's node,
// signed by the member who asks, checked against its digest, kept, then
// served.
func (s *Server) apiDocumentFile(w http.ResponseWriter, r *http.Request) {
	d, ok := s.documentForViewer(w, r)
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
		apiError(w, http.StatusNotFound, "no such version")
		return
	}
	if !v.Stored {
		if err := s.fetchVersion(r, d, v); err != nil {
			remoteError(w, err)
			return
		}
	}
	s.serveVersion(w, r, v)
}

func (s *Server) fetchVersion(r *http.Request, d *store.Document, v *store.Version) error {
	acct := currentAccount(r)
	if acct == nil || v.SourceURL == "" {
		return store.ErrNotFound
	}
	me, err := s.Store.ActorByID(r.Context(), acct.ActorID)
	if err != nil {
		return err
	}
	return FetchVersion(r.Context(), s.Store, s.Outbox, s.Federator, me, d, v)
}

func (s *Server) apiDocumentVersion(w http.ResponseWriter, r *http.Request) {
	d, ok := s.documentForViewer(w, r)
	if !ok {
		return
	}
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	if err := s.Outbox.CanUpload(r.Context(), *d.GroupID, me); err != nil {
		writeError(w, err)
		return
	}
	file, _, err := s.uploadForm(w, r, me)
	if err != nil {
		writeError(w, err)
		return
	}
	updated, err := s.Outbox.AddDocumentVersion(r.Context(), me, d.ID, file)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.documentEntity(r, updated))
}

type documentEditInput struct {
	Name        *string `json:"name"`
	Folder      *string `json:"folder"`
	Description *string `json:"description"`
}

func (s *Server) apiEditDocument(w http.ResponseWriter, r *http.Request) {
	d, ok := s.documentForViewer(w, r)
	if !ok {
		return
	}
	var in documentEditInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	updated, err := s.Outbox.EditDocument(r.Context(), currentAccount(r), d.ID, in.Name, in.Folder, in.Description)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.documentEntity(r, updated))
}

func (s *Server) apiDeleteDocument(w http.ResponseWriter, r *http.Request) {
	d, ok := s.documentForViewer(w, r)
	if !ok {
		return
	}
	if err := s.Outbox.DeleteDocument(r.Context(), currentAccount(r), d.ID); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.documentEntity(r, d))
}

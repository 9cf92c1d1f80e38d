package ui

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/files"
	"github.com/archipel-social/archipel/web/respond"
)

// A group's documents: the list with its folder filter and search, the
// upload form, a document's page with its versions, and downloads. Uploads
// are multipart forms read part by part: the CSRF token comes first and is
// checked before any byte of the file is read, then the file streams to
// storage (never whole in memory).

// badText is the message of a field refused by respond.GoodText.
const badText = "must be UTF-8 text without NUL characters"

// shownAgain is a refused field as the form shows it again: valid UTF-8
// without NUL, and not cut inside a character.
func shownAgain(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// maxUploadField bounds a text field of an upload form (a description is
// at most outbox.MaxDescription characters).
const maxUploadField = 4 * outbox.MaxDescription

// maxSearch bounds the search text, as the API does.
const maxSearch = 200

// rootFolder is the folder filter's value for documents in no folder.
const rootFolder = "/"

var (
	errBadCSRF = errors.New("csrf token missing or wrong")
	errBadForm = errors.New("malformed upload form")
)

// docItem is a document as the pages show it.
type docItem struct {
	*store.Document
	Cur     *store.Version
	URL     string
	CanEdit bool
}

// versionItem is one version on a document's page.
type versionItem struct {
	store.Version
	By      *store.Actor
	FileURL string
}

// docsData is what the documents pages show.
type docsData struct {
	G         *groupView
	Docs      []docItem
	Folders   []string
	Folder    string // the filter: "" every folder, "/" no folder, or a folder
	Query     string
	Filtered  bool
	MaxUpload int64
	Doc       *docItem
	Versions  []versionItem
}

// Size writes a file size the reader's way, in units of 1024 bytes as
// file managers do: "12,5 Ko" or "12.5 KB".
func (v *view) Size(n int64) string {
	if n < 1024 {
		return v.T("size.b", n)
	}
	units := []string{"size.kb", "size.mb", "size.gb"}
	f := float64(n) / 1024
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	prec := 1
	if f >= 100 {
		prec = 0
	}
	s := strconv.FormatFloat(f, 'f', prec, 64)
	s = strings.TrimSuffix(s, ".0")
	if v.Lang == langFR {
		s = strings.Replace(s, ".", ",", 1)
	}
	return v.T(units[i], s)
}

func (u *UI) docItem(r *http.Request, gv *groupView, d *store.Document) docItem {
	it := docItem{Document: d, Cur: d.Current(), URL: groupURL(gv.Actor) + "/documents/" + strconv.FormatInt(d.ID, 10)}
	if s := sessionOf(r); s != nil {
		it.CanEdit = d.AttributedTo == s.Actor.ID || gv.CanManage
	}
	return it
}

// folderFilter reads the folder filter of the list's address.
func folderFilter(q url.Values) (shown string, filter *string) {
	f := strings.TrimSpace(q.Get("folder"))
	if f == "" {
		return "", nil
	}
	trimmed := strings.Trim(f, "/")
	if trimmed == "" {
		return rootFolder, &trimmed
	}
	return trimmed, &trimmed
}

// documents lists a group's documents, filtered by folder and searched.
func (u *UI) documents(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	v := u.newView(r, "title.documents", "groups")
	upload := url.Values{}
	if f, _ := folderFilter(q); f != rootFolder {
		upload.Set("folder", f)
	}
	u.renderDocuments(w, r, v, gv, http.StatusOK, upload)
}

// renderDocuments shows the list page; upload is what the upload form holds
// (kept as typed when it failed).
func (u *UI) renderDocuments(w http.ResponseWriter, r *http.Request, v *view, gv *groupView, status int, upload url.Values) {
	gv.Tab = "documents"
	q := r.URL.Query()
	d := &docsData{G: gv, MaxUpload: u.Outbox.MaxUploadBytes()}
	d.Query = strings.TrimSpace(q.Get("q"))
	var filter *string
	d.Folder, filter = folderFilter(q)
	d.Filtered = d.Query != "" || filter != nil
	v.Form = url.Values{"q": {q.Get("q")}, "description": {upload.Get("description")}, "folder": {upload.Get("folder")}}
	v.Data = d
	if !gv.CanRead {
		if status == http.StatusOK {
			status = http.StatusForbidden
		}
		u.render(w, status, "documents", v)
		return
	}
	if utf8.RuneCountInString(d.Query) > maxSearch {
		v.Errors["q"] = v.T("rule.query")
		u.render(w, http.StatusUnprocessableEntity, "documents", v)
		return
	}
	ctx := r.Context()
	docs, err := u.Store.Documents(ctx, store.DocumentQuery{GroupID: gv.ID, Folder: filter, Text: d.Query, Limit: 200})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	all := docs
	if d.Filtered {
		// The folder list comes from every document of the group.
		if all, err = u.Store.Documents(ctx, store.DocumentQuery{GroupID: gv.ID, Limit: 200}); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	seen := map[string]bool{}
	for _, doc := range all {
		if doc.Folder != "" && !seen[doc.Folder] {
			seen[doc.Folder] = true
			d.Folders = append(d.Folders, doc.Folder)
		}
	}
	sort.Strings(d.Folders)
	for _, doc := range docs {
		d.Docs = append(d.Docs, u.docItem(r, gv, doc))
	}
	u.render(w, status, "documents", v)
}

// documentFromPath loads the group and one of its live documents.
func (u *UI) documentFromPath(r *http.Request) (*groupView, *store.Document, error) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return nil, nil, store.ErrNotFound
	}
	d, err := u.Store.DocumentByObjectID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if d.Type != "Document" || d.DeletedAt != nil || d.GroupID == nil || *d.GroupID != gv.ID {
		return nil, nil, store.ErrNotFound
	}
	return gv, d, nil
}

// document shows a document with its versions and, to those who may, the
// forms to add a version, rename or move it, and delete it.
func (u *UI) document(w http.ResponseWriter, r *http.Request) {
	gv, d, err := u.documentFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.document", "groups")
	u.renderDocument(w, r, v, gv, d, http.StatusOK, nil)
}

// renderDocument shows a document's page; edit is the edit form as typed
// (nil: the document's values).
func (u *UI) renderDocument(w http.ResponseWriter, r *http.Request, v *view, gv *groupView, d *store.Document, status int, edit url.Values) {
	if !gv.CanRead {
		// Not even the name of a private group's document.
		u.renderDocuments(w, r, v, gv, http.StatusForbidden, nil)
		return
	}
	gv.Tab = "documents"
	it := u.docItem(r, gv, d)
	data := &docsData{G: gv, Doc: &it, MaxUpload: u.Outbox.MaxUploadBytes()}
	actors := map[int64]*store.Actor{}
	for _, ver := range d.Versions {
		vi := versionItem{Version: ver, By: d.Author, FileURL: it.URL + "/file?version=" + strconv.Itoa(ver.Version)}
		if ver.UploadedBy != nil {
			a, ok := actors[*ver.UploadedBy]
			if !ok {
				a, _ = u.Store.ActorByID(r.Context(), *ver.UploadedBy)
				actors[*ver.UploadedBy] = a
			}
			if a != nil {
				vi.By = a
			}
		}
		data.Versions = append(data.Versions, vi)
	}
	if edit == nil {
		edit = url.Values{"name": {d.Name}, "folder": {d.Folder}, "description": {d.Summary}}
	}
	v.Form = edit
	v.Data = data
	u.render(w, status, "document", v)
}

// downloadDocument serves a version (the current one by default) to those
// who may read the group, as the API does: anyone for a public group, its
// members otherwise. A version of a remote group's document not yet here
// is fetched from the group's node first.
func (u *UI) downloadDocument(w http.ResponseWriter, r *http.Request) {
	gv, d, err := u.documentFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s := sessionOf(r)
	if !gv.CanRead {
		if s == nil {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		u.fail(w, r, outbox.ErrForbidden)
		return
	}
	ver := d.Current()
	if q := r.URL.Query().Get("version"); q != "" {
		n, _ := strconv.Atoi(q)
		ver = nil
		for i := range d.Versions {
			if d.Versions[i].Version == n {
				ver = &d.Versions[i]
			}
		}
	}
	if ver == nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	if !ver.Stored {
		var me *store.Actor
		if s != nil {
			me = s.Actor
		}
		if err := files.FetchVersion(r.Context(), u.Store, u.Outbox, u.Federator, me, d, ver); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	if err := files.ServeVersion(w, r, u.Outbox, ver); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			err = store.ErrNotFound
		}
		u.fail(w, r, err)
	}
}

// readUpload reads an upload form, part by part: first the session's CSRF
// token (checked before anything else is read), then the file, streamed to
// storage, and the small text fields in any order. A file refused for its
// type or name does not stop the reading, so that the text fields can be
// shown again; the first such error is returned with them.
func (u *UI) readUpload(w http.ResponseWriter, r *http.Request) (*outbox.StoredFile, url.Values, error) {
	fields := url.Values{}
	r.Body = http.MaxBytesReader(w, r.Body, u.Outbox.MaxUploadBytes()+maxFormBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fields, errBadForm
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" {
		return nil, fields, errBadCSRF
	}
	tok, err := io.ReadAll(io.LimitReader(part, 256))
	if err != nil || subtle.ConstantTimeCompare(tok, []byte(sessionOf(r).CSRF)) != 1 {
		return nil, fields, errBadCSRF
	}
	var file *outbox.StoredFile
	// fileErr is what is wrong with the file, fieldErr with a text field.
	var fileErr, fieldErr error
	fail := func(err error) (*outbox.StoredFile, url.Values, error) {
		u.Outbox.Discard(r.Context(), file)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, outbox.ErrTooLarge) {
			err = outbox.ErrTooLarge
		}
		return nil, fields, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fail(err)
			}
			return fail(errBadForm)
		}
		switch name := part.FormName(); name {
		case "file":
			if file != nil || fileErr != nil {
				return fail(errBadForm)
			}
			rawName := files.RawFileName(part)
			if !respond.GoodText(rawName) {
				fileErr = &accounts.FieldError{Field: "file", Message: badText}
				break
			}
			if rawName == "" {
				// No file chosen: browsers send an empty part.
				fileErr = &accounts.FieldError{Field: "file", Message: "required"}
				break
			}
			file, err = u.Outbox.StoreFile(r.Context(), rawName, part)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) || errors.Is(err, outbox.ErrTooLarge) {
					return fail(err)
				}
				fileErr = err
			}
		case "description", "folder":
			b, err := io.ReadAll(io.LimitReader(part, maxUploadField+1))
			if err != nil {
				return fail(err)
			}
			if len(b) > maxUploadField {
				fields.Set(name, shownAgain(string(b[:maxUploadField])))
				if fieldErr == nil {
					fieldErr = &accounts.FieldError{Field: name, Message: "too long"}
				}
				continue
			}
			if !respond.GoodText(string(b)) {
				// Refused, and shown again without what made it so.
				fields.Set(name, shownAgain(string(b)))
				if fieldErr == nil {
					fieldErr = &accounts.FieldError{Field: name, Message: badText}
				}
				continue
			}
			fields.Set(name, string(b))
		}
		part.Close()
	}
	if fileErr != nil {
		return fail(fileErr)
	}
	if fieldErr != nil {
		return fail(fieldErr)
	}
	if file == nil {
		return nil, fields, &accounts.FieldError{Field: "file", Message: "required"}
	}
	return file, fields, nil
}

// uploadErrors turns a refused upload into the form's messages; ok is
// false when the error is not about the form.
func uploadErrors(v *view, err error, fileField string) (map[string]string, int, bool) {
	var mte *outbox.MediaTypeError
	var fe *accounts.FieldError
	switch {
	case errors.As(err, &mte):
		return map[string]string{fileField: v.T("docrule.media_type", mte.Type)}, http.StatusUnsupportedMediaType, true
	case errors.Is(err, outbox.ErrTooLarge):
		return nil, http.StatusRequestEntityTooLarge, true
	case errors.As(err, &fe):
		field, key := fe.Field, "docrule."+fe.Field
		switch {
		case fe.Message == "required":
			key = "rule.required"
		case fe.Message == badText:
			key = "rule.bad_text"
		case fe.Field == "file" && strings.Contains(fe.Message, "same time"):
			key = "docrule.version_conflict"
		}
		if field == "file" {
			field = fileField
		}
		if !v.Has(key) {
			return map[string]string{field: v.T("rule.other", fe.Message)}, http.StatusUnprocessableEntity, true
		}
		return map[string]string{field: v.T(key)}, http.StatusUnprocessableEntity, true
	}
	return nil, 0, false
}

// uploadFailed shows what went wrong with an upload: the CSRF and form
// problems as error pages, the rest on the form, kept as typed.
func (u *UI) uploadFailed(w http.ResponseWriter, r *http.Request, err error, show func(v *view, status int)) {
	switch {
	case errors.Is(err, errBadCSRF):
		u.errorPage(w, r, http.StatusForbidden, "err.csrf", "hint.reload")
		return
	case errors.Is(err, errBadForm):
		u.errorPage(w, r, http.StatusBadRequest, "err.upload_form", "hint.reload")
		return
	}
	v := u.newView(r, "title.documents", "groups")
	errs, status, ok := uploadErrors(v, err, "file")
	if !ok {
		u.fail(w, r, err)
		return
	}
	if errors.Is(err, outbox.ErrTooLarge) {
		errs = map[string]string{"file": v.T("docrule.too_large", v.Size(u.Outbox.MaxUploadBytes()))}
	}
	v.Errors = errs
	show(v, status)
}

// uploadDocument adds a document to a group, for its members.
func (u *UI) uploadDocument(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	me := sessionOf(r).Actor
	if err := u.Outbox.CanUpload(r.Context(), gv.ID, me); err != nil {
		u.fail(w, r, err)
		return
	}
	file, fields, err := u.readUpload(w, r)
	if err == nil {
		var d *store.Document
		d, err = u.Outbox.UploadDocument(r.Context(), me, gv.ID, file, fields.Get("description"), fields.Get("folder"))
		if err == nil {
			http.Redirect(w, r, u.docItem(r, gv, d).URL+"?notice=document_uploaded", http.StatusSeeOther)
			return
		}
	}
	u.uploadFailed(w, r, err, func(v *view, status int) {
		u.renderDocuments(w, r, v, gv, status, fields)
	})
}

// uploadVersion adds a version to a document, for the group's members.
func (u *UI) uploadVersion(w http.ResponseWriter, r *http.Request) {
	gv, d, err := u.documentFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	me := sessionOf(r).Actor
	if err := u.Outbox.CanUpload(r.Context(), gv.ID, me); err != nil {
		u.fail(w, r, err)
		return
	}
	file, _, err := u.readUpload(w, r)
	if err == nil {
		if _, err = u.Outbox.AddDocumentVersion(r.Context(), me, d.ID, file); err == nil {
			http.Redirect(w, r, u.docItem(r, gv, d).URL+"?notice=version_added", http.StatusSeeOther)
			return
		}
	}
	u.uploadFailed(w, r, err, func(v *view, status int) {
		v.Title = "title.document"
		if e, ok := v.Errors["file"]; ok {
			v.Errors = map[string]string{"version_file": e}
		}
		u.renderDocument(w, r, v, gv, d, status, nil)
	})
}

// editDocument renames, moves or describes a document.
func (u *UI) editDocument(w http.ResponseWriter, r *http.Request) {
	gv, d, err := u.documentFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := r.PostForm
	name, folder, desc := f.Get("name"), f.Get("folder"), f.Get("description")
	_, err = u.Outbox.EditDocument(r.Context(), sessionOf(r).Account, d.ID, &name, &folder, &desc)
	if err != nil {
		v := u.newView(r, "title.document", "groups")
		errs, status, ok := uploadErrors(v, err, "file")
		if !ok {
			u.fail(w, r, err)
			return
		}
		v.Errors = errs
		u.renderDocument(w, r, v, gv, d, status, f)
		return
	}
	http.Redirect(w, r, u.docItem(r, gv, d).URL+"?notice=document_saved", http.StatusSeeOther)
}

// deleteDocument removes a document, for its uploader or the animators.
func (u *UI) deleteDocument(w http.ResponseWriter, r *http.Request) {
	gv, d, err := u.documentFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if err := u.Outbox.DeleteDocument(r.Context(), sessionOf(r).Account, d.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"/documents?notice=document_deleted", http.StatusSeeOther)
}

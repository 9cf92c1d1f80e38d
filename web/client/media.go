package client

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// mediaJSON is Mastodon's MediaAttachment.
type mediaJSON struct {
	ID          string        `json:"id"`
	Type        string        `json:"type"`
	URL         string        `json:"url"`
	PreviewURL  *string       `json:"preview_url"`
	RemoteURL   *string       `json:"remote_url"`
	TextURL     *string       `json:"text_url"`
	Meta        mediaMetaJSON `json:"meta"`
	Description *string       `json:"description"`
	Blurhash    *string       `json:"blurhash"`
}

type mediaMetaJSON struct {
	Original *mediaSizeJSON `json:"original,omitempty"`
	Small    *mediaSizeJSON `json:"small,omitempty"`
	Focus    *focusJSON     `json:"focus,omitempty"`
}

type mediaSizeJSON struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

type focusJSON struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

func mediaSize(w, h int) *mediaSizeJSON {
	if w <= 0 || h <= 0 {
		return nil
	}
	return &mediaSizeJSON{Width: w, Height: h, Size: strconv.Itoa(w) + "x" + strconv.Itoa(h), Aspect: float64(w) / float64(h)}
}

// mediaEntity converts a picture: our files are served from here; a peer's
// picture is too (fetched on first request, through the SSRF-safe client,
// within the size limit), and its own URL is remote_url. A peer's file that
// is not a picture is linked where it is.
func mediaEntity(links ap.Links, m *store.Media) mediaJSON {
	e := mediaJSON{ID: strconv.FormatInt(m.ID, 10), Type: m.Type,
		Meta: mediaMetaJSON{Focus: &focusJSON{X: m.FocusX, Y: m.FocusY}}}
	if m.RemoteURL != "" {
		e.RemoteURL = &m.RemoteURL
	}
	if m.Type == "image" {
		e.URL = links.MediaFile(m.Token, ap.MediaOriginal, m.MediaType)
		preview := links.MediaFile(m.Token, ap.MediaSmall, previewType(m))
		e.PreviewURL = &preview
		e.Meta.Original = mediaSize(m.Width, m.Height)
		e.Meta.Small = mediaSize(m.PreviewWidth, m.PreviewHeight)
	} else {
		e.URL = m.RemoteURL
	}
	if m.Description != "" {
		e.Description = &m.Description
	}
	if m.Blurhash != "" {
		e.Blurhash = &m.Blurhash
	}
	return e
}

// previewType is the type a thumbnail's URL announces: a peer's not yet
// made is a JPEG or a PNG, as the original's type suggests.
func previewType(m *store.Media) string {
	if m.PreviewMediaType != "" {
		return m.PreviewMediaType
	}
	if m.MediaType == "image/jpeg" {
		return "image/jpeg"
	}
	return "image/png"
}

func mediaEntities(links ap.Links, list []*store.Media) []mediaJSON {
	out := make([]mediaJSON, 0, len(list))
	for _, m := range list {
		out = append(out, mediaEntity(links, m))
	}
	return out
}

// pictureForm reads a multipart form that carries pictures: each file
// field named in fileFields (whole: it is at most the media limit), and
// the text fields.
func (api *API) pictureForm(w http.ResponseWriter, r *http.Request, fileFields ...string) (map[string][]byte, url.Values, error) {
	limits := api.Outbox.MediaLimits()
	r.Body = http.MaxBytesReader(w, r.Body, int64(len(fileFields))*limits.MaxBytes+respond.MaxJSONBody)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return nil, nil, respond.BadInput("send the picture as multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, respond.BadInput("malformed multipart body")
	}
	files, fields := map[string][]byte{}, url.Values{}
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return nil, nil, outbox.ErrTooLarge
			}
			return nil, nil, respond.BadInput("malformed multipart body")
		}
		name := part.FormName()
		if slices.Contains(fileFields, name) {
			if files[name] != nil {
				return nil, nil, respond.BadInput("one " + name + " per request")
			}
			data, err := media.Read(part, limits)
			switch {
			case errors.Is(err, media.ErrTooLarge):
				return nil, nil, err
			case tooLarge(err):
				return nil, nil, outbox.ErrTooLarge
			case err != nil:
				return nil, nil, respond.BadInput("malformed multipart body")
			}
			files[name] = data
		} else if len(fields) < maxFormFields {
			v, err := readField(part)
			if err != nil {
				return nil, nil, err
			}
			fields.Add(name, v)
		}
		part.Close()
	}
	return files, fields, nil
}

// maxFormFields bounds the text fields of a form with pictures.
const maxFormFields = 64

// optional is a form field, nil when absent.
func optional(f url.Values, name string) *string {
	if !f.Has(name) {
		return nil
	}
	v := f.Get(name)
	return &v
}

// apiUploadMedia is POST /api/v1/media and /api/v2/media. Pictures are
// ready when the answer comes (re-encoded in the request), so both answer
// 200, as Mastodon does for pictures.
func (api *API) apiUploadMedia(w http.ResponseWriter, r *http.Request) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	files, fields, err := api.pictureForm(w, r, "file")
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if files["file"] == nil {
		respond.Fail(w, respond.InvalidField("file", "a picture is required"))
		return
	}
	in := outbox.MediaInput{Description: optional(fields, "description"), Focus: optional(fields, "focus")}
	m, err := api.Outbox.UploadMedia(r.Context(), me, files["file"], in)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, mediaEntity(api.Links, m))
}

func (api *API) ownMedia(w http.ResponseWriter, r *http.Request) (*store.Actor, int64, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such media")
		return nil, 0, false
	}
	me, ok := api.meOrFail(w, r)
	return me, id, ok
}

// apiMedia is GET /api/v1/media/:id: one's own uploads only.
func (api *API) apiMedia(w http.ResponseWriter, r *http.Request) {
	me, id, ok := api.ownMedia(w, r)
	if !ok {
		return
	}
	m, err := api.Outbox.OwnMedia(r.Context(), me, id)
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "no such media")
		return
	} else if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, mediaEntity(api.Links, m))
}

// apiUpdateMedia is PUT /api/v1/media/:id: the alt text and focal point.
func (api *API) apiUpdateMedia(w http.ResponseWriter, r *http.Request) {
	me, id, ok := api.ownMedia(w, r)
	if !ok {
		return
	}
	var in struct {
		Description *string `json:"description"`
		Focus       *string `json:"focus"`
	}
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	m, err := api.Outbox.UpdateMedia(r.Context(), me, id, outbox.MediaInput{Description: in.Description, Focus: in.Focus})
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "no such media")
		return
	} else if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, mediaEntity(api.Links, m))
}

// mediaConfiguration is configuration.media_attachments of the instance
// entities: the limits uploads are held to.
func (api *API) mediaConfiguration() map[string]any {
	l := api.Outbox.MediaLimits()
	return map[string]any{
		"supported_mime_types":   media.SupportedTypes,
		"image_size_limit":       l.MaxBytes,
		"image_matrix_limit":     l.MaxPixels,
		"description_limit":      l.MaxDescription,
		"video_size_limit":       0,
		"video_frame_rate_limit": 0,
		"video_matrix_limit":     0,
	}
}

// MediaConfiguration is mediaConfiguration for /api/v2/instance.
func (api *API) MediaConfiguration() map[string]any { return api.mediaConfiguration() }

// checkMediaIDs parses media_ids.
func checkMediaIDs(raw []string) ([]int64, error) {
	ids := make([]int64, 0, len(raw))
	for _, s := range raw {
		id, ok := respond.ParseID(s)
		if !ok {
			return nil, respond.InvalidField("media_ids", "no such picture")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

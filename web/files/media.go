package files

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Media serves pictures at /media/{token}/{original|small}.ext: ours, and
// peers' attachments, which are fetched on their first request (through
// the SSRF-safe client, signed by the node, within the media size limit),
// re-encoded and thumbnailed as an upload is, then kept. The token is
// random: as on Mastodon, whoever has a URL may load the picture.
type Media struct {
	Store     *store.Store
	Outbox    *outbox.Outbox
	Federator *federation.Federator
	Log       *slog.Logger
}

// remoteFetchTimeout bounds the fetch of a peer's picture.
const remoteFetchTimeout = time.Minute

// Routes adds the picture routes.
func (h *Media) Routes(r chi.Router) {
	r.Get("/media/default/{file}", serveDefault)
	r.Get("/media/{token}/{file}", h.serve)
}

func (h *Media) serve(w http.ResponseWriter, r *http.Request) {
	variant, _, _ := strings.Cut(chi.URLParam(r, "file"), ".")
	m, err := h.Store.MediaByToken(r.Context(), chi.URLParam(r, "token"))
	if err != nil || (variant != ap.MediaOriginal && variant != ap.MediaSmall) {
		respond.Error(w, http.StatusNotFound, "no such picture")
		return
	}
	if !m.Stored() {
		if m.RemoteURL == "" || m.Type != "image" || h.Federator == nil {
			respond.Error(w, http.StatusNotFound, "no such picture")
			return
		}
		if err := h.fetchRemote(r.Context(), m); err != nil {
			var pe *media.Error
			if errors.As(err, &pe) {
				respond.Error(w, http.StatusUnprocessableEntity, "the peer's picture was refused: "+pe.Error())
				return
			}
			// The cause names addresses: it is logged, never shown.
			h.log().Warn("media: fetch a peer's picture", "url", m.RemoteURL, "err", err)
			respond.Error(w, http.StatusBadGateway, "the picture's node did not answer")
			return
		}
	}
	sha, mediaType := m.SHA256, m.MediaType
	if variant == ap.MediaSmall {
		sha, mediaType = m.PreviewSHA256, m.PreviewMediaType
	}
	f, _, err := h.Outbox.Blobs.Open(r.Context(), sha)
	if errors.Is(err, storage.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "no such picture")
		return
	} else if err != nil {
		respond.Fail(w, err)
		return
	}
	defer f.Close()
	imageHeaders(w, mediaType)
	w.Header().Set("ETag", `"`+sha+`"`)
	http.ServeContent(w, r, "", m.CreatedAt, f)
}

// imageHeaders are those of every picture: its bytes were re-encoded here,
// so they are shown inline; nothing in them may run.
func imageHeaders(w http.ResponseWriter, mediaType string) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	// Web clients on other origins (Elk, Phanpy) draw them in canvases.
	h.Set("Access-Control-Allow-Origin", "*")
}

// fetchRemote brings a peer's picture here.
func (h *Media) fetchRemote(ctx context.Context, m *store.Media) error {
	ctx, cancel := context.WithTimeout(ctx, remoteFetchTimeout)
	defer cancel()
	signer, err := h.Federator.InstanceSigner(ctx)
	if err != nil {
		return err
	}
	resp, err := h.Federator.FetchFile(ctx, m.RemoteURL, signer)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return h.Outbox.StoreRemoteMedia(ctx, m, resp.Body)
}

func (h *Media) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}

// The default avatar and header: plain pictures in the interface's blue,
// made once.
var defaults = sync.OnceValue(func() map[string][]byte {
	out := map[string][]byte{}
	for name, size := range map[string][2]int{"avatar.png": {media.AvatarSide, media.AvatarSide}, "header.png": {media.HeaderWidth, media.HeaderHeight}} {
		img := image.NewUniform(color.NRGBA{R: 0x5b, G: 0x6b, B: 0x9a, A: 0xff})
		var buf bytes.Buffer
		pal := image.NewPaletted(image.Rect(0, 0, size[0], size[1]), color.Palette{img.C})
		_ = png.Encode(&buf, pal)
		out[name] = buf.Bytes()
	}
	return out
})

var started = time.Now()

func serveDefault(w http.ResponseWriter, r *http.Request) {
	b, ok := defaults()[chi.URLParam(r, "file")]
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such picture")
		return
	}
	imageHeaders(w, "image/png")
	http.ServeContent(w, r, "", started, bytes.NewReader(b))
}

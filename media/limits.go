// Package media turns an uploaded picture into what the node keeps and
// shows: its pixels re-encoded without any metadata (EXIF and its location,
// XMP, comments), turned upright first, a thumbnail and a blurhash. Every
// limit is checked before the pixels are decoded, so that a small file
// cannot unfold into gigabytes. It imports no HTTP and no storage.
package media

import (
	"errors"
	"fmt"
)

// Limits bound what an upload may be. The client API announces them in
// /api/v1/instance (configuration.media_attachments), and refuses what goes
// past them.
type Limits struct {
	// MaxBytes bounds one uploaded file (ARCHIPEL_MEDIA_MAX_BYTES).
	MaxBytes int64
	// MaxPixels bounds width × height of a picture, checked on its header
	// before decoding (Mastodon's image_matrix_limit).
	MaxPixels int64
	// MaxDescription bounds the alt text, in characters.
	MaxDescription int
}

// Defaults: Mastodon's 16 MiB and 1500 characters; 4096 × 4096 pixels (half
// Mastodon's 33 megapixels: a decoded picture takes 4 bytes a pixel, and a
// node may run on a small machine).
const (
	DefaultMaxBytes       = 16 << 20
	DefaultMaxPixels      = 4096 * 4096
	DefaultMaxDescription = 1500
)

// DefaultLimits are the limits of a node that sets none.
var DefaultLimits = Limits{MaxBytes: DefaultMaxBytes, MaxPixels: DefaultMaxPixels, MaxDescription: DefaultMaxDescription}

// WithDefaults fills the limits left at zero.
func (l Limits) WithDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxDescription <= 0 {
		l.MaxDescription = DefaultMaxDescription
	}
	return l
}

// maxAnimationFactor bounds an animated GIF: all its frames together may
// have this many times MaxPixels.
const maxAnimationFactor = 4

// SupportedTypes are the media types accepted, in the order announced.
var SupportedTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// Sizes of what is made from an upload.
const (
	// PreviewSide bounds the thumbnail's longer side (Mastodon's small is
	// about 640 pixels wide).
	PreviewSide = 640
	// AvatarSide is an avatar's width and height (Mastodon's 400 × 400).
	AvatarSide = 400
	// HeaderWidth and HeaderHeight are a profile header's (Mastodon's).
	HeaderWidth, HeaderHeight = 1500, 500
)

// Error is an upload refused for what it is; Kind says which way.
type Error struct {
	Kind error
	msg  string
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.Kind }

// Kinds of refusal.
var (
	ErrType     = errors.New("unsupported media type")
	ErrTooLarge = errors.New("file too large")
	ErrPixels   = errors.New("too many pixels")
	ErrBroken   = errors.New("broken picture")
)

func refuse(kind error, format string, args ...any) error {
	return &Error{Kind: kind, msg: fmt.Sprintf(format, args...)}
}

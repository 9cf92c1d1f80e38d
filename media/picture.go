package media

import (
	"bytes"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode
)

// Image is one encoded picture.
type Image struct {
	Data      []byte
	MediaType string
	Width     int
	Height    int
}

// Picture is what an upload becomes: the original re-encoded, a thumbnail,
// and the blurhash apps show while loading.
type Picture struct {
	Original Image
	Preview  Image
	Blurhash string
}

// jpegQuality is the quality of re-encoded photographs.
const jpegQuality = 90

// blurhashSide is the width pictures are scaled down to before their
// blurhash is computed: the hash keeps 4 × 3 colours, more pixels change
// nothing but the time.
const blurhashSide = 64

// Read reads an upload, refusing more than l.MaxBytes.
func Read(r io.Reader, l Limits) ([]byte, error) {
	l = l.WithDefaults()
	data, err := io.ReadAll(io.LimitReader(r, l.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > l.MaxBytes {
		return nil, refuse(ErrTooLarge, "file larger than %d bytes", l.MaxBytes)
	}
	return data, nil
}

// Detect is the media type of a file from its first bytes ("" when it is
// not a picture this package reads); the name or the type a client says
// are never trusted.
func Detect(data []byte) string {
	t := http.DetectContentType(data)
	for _, s := range SupportedTypes {
		if t == s {
			return t
		}
	}
	return ""
}

// check reads a picture's header: its type, and its size against the
// limits, before a pixel is decoded.
func check(data []byte, l Limits) (string, image.Config, error) {
	if int64(len(data)) > l.MaxBytes {
		return "", image.Config{}, refuse(ErrTooLarge, "file larger than %d bytes", l.MaxBytes)
	}
	t := Detect(data)
	if t == "" {
		return "", image.Config{}, refuse(ErrType, "files of type %s are not accepted (JPEG, PNG, WebP and GIF are)", http.DetectContentType(data))
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", cfg, refuse(ErrBroken, "the picture cannot be read")
	}
	if int64(cfg.Width)*int64(cfg.Height) > l.MaxPixels {
		return "", cfg, refuse(ErrPixels, "pictures may have at most %d pixels (this one is %d × %d)", l.MaxPixels, cfg.Width, cfg.Height)
	}
	if t == "image/gif" {
		frames, err := gifFrames(data)
		if err != nil {
			return "", cfg, err
		}
		if int64(frames)*int64(cfg.Width)*int64(cfg.Height) > maxAnimationFactor*l.MaxPixels {
			return "", cfg, refuse(ErrPixels, "an animation may have at most %d pixels in all its frames", maxAnimationFactor*l.MaxPixels)
		}
	}
	return t, cfg, nil
}

// Process checks an upload and makes its picture: the pixels re-encoded
// (no metadata survives: EXIF, its GPS position, XMP, comments), turned as
// the EXIF orientation said before it is dropped; a thumbnail; a blurhash.
// JPEG stays JPEG, PNG stays PNG, GIF stays GIF (animated ones keep their
// frames), and WebP, which the standard library cannot write, becomes PNG
// or JPEG.
func Process(data []byte, l Limits) (*Picture, error) {
	l = l.WithDefaults()
	t, _, err := check(data, l)
	if err != nil {
		return nil, err
	}
	var p Picture
	var still image.Image
	if t == "image/gif" {
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil || len(g.Image) == 0 {
			return nil, refuse(ErrBroken, "the picture cannot be read")
		}
		var buf bytes.Buffer
		// Only the frames, their timing and the loop count are written:
		// comments and application extensions (XMP) stay behind.
		clean := &gif.GIF{Image: g.Image, Delay: g.Delay, LoopCount: g.LoopCount, Disposal: g.Disposal,
			Config: g.Config, BackgroundIndex: g.BackgroundIndex}
		if err := gif.EncodeAll(&buf, clean); err != nil {
			return nil, refuse(ErrBroken, "the picture cannot be read")
		}
		p.Original = Image{Data: buf.Bytes(), MediaType: t, Width: g.Config.Width, Height: g.Config.Height}
		still = firstFrame(g)
	} else {
		img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
		if err != nil {
			return nil, refuse(ErrBroken, "the picture cannot be read")
		}
		out := t
		if t == "image/webp" {
			out = stillType(img)
		}
		if p.Original, err = encode(img, out); err != nil {
			return nil, err
		}
		still = img
	}
	preview := still
	if b := still.Bounds(); b.Dx() > PreviewSide || b.Dy() > PreviewSide {
		preview = imaging.Fit(still, PreviewSide, PreviewSide, imaging.Lanczos)
	}
	if p.Preview, err = encode(preview, stillType(preview)); err != nil {
		return nil, err
	}
	p.Blurhash = blurhashOf(preview)
	return &p, nil
}

// Profile makes an avatar or a header: checked as any upload, turned
// upright, cropped to the proportions of width × height around its centre
// and scaled to that size, re-encoded without metadata. An animation keeps
// its first frame.
func Profile(data []byte, l Limits, width, height int) (*Image, error) {
	l = l.WithDefaults()
	t, _, err := check(data, l)
	if err != nil {
		return nil, err
	}
	var img image.Image
	if t == "image/gif" {
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil || len(g.Image) == 0 {
			return nil, refuse(ErrBroken, "the picture cannot be read")
		}
		img = firstFrame(g)
	} else if img, err = imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true)); err != nil {
		return nil, refuse(ErrBroken, "the picture cannot be read")
	}
	fitted := imaging.Fill(img, width, height, imaging.Center, imaging.Lanczos)
	out, err := encode(fitted, stillType(fitted))
	return &out, err
}

// stillType is how a still picture is written: JPEG when it is opaque,
// PNG when it has transparency to keep.
func stillType(img image.Image) string {
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return "image/jpeg"
	}
	return "image/png"
}

// encode writes pixels in a format whose encoder writes no metadata.
func encode(img image.Image, mediaType string) (Image, error) {
	var buf bytes.Buffer
	var err error
	switch mediaType {
	case "image/jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	default:
		mediaType = "image/png"
		err = png.Encode(&buf, img)
	}
	if err != nil {
		return Image{}, err
	}
	b := img.Bounds()
	return Image{Data: buf.Bytes(), MediaType: mediaType, Width: b.Dx(), Height: b.Dy()}, nil
}

// firstFrame is an animation's first frame on its whole canvas.
func firstFrame(g *gif.GIF) image.Image {
	canvas := image.NewNRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	draw.Draw(canvas, g.Image[0].Bounds(), g.Image[0], g.Image[0].Bounds().Min, draw.Over)
	return canvas
}

func blurhashOf(img image.Image) string {
	small := imaging.Resize(img, blurhashSide, 0, imaging.Box)
	h, err := blurhash.Encode(4, 3, small)
	if err != nil {
		return ""
	}
	return h
}

// gifFrames counts an animation's frames by walking its blocks, without
// decoding any: a few kilobytes of LZW can unfold into a huge frame, so the
// count is checked against the limit before gif.DecodeAll.
func gifFrames(b []byte) (int, error) {
	broken := refuse(ErrBroken, "the picture cannot be read")
	if len(b) < 13 {
		return 0, broken
	}
	i := 13
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&7 + 1) // global colour table
	}
	frames := 0
	for i < len(b) {
		switch b[i] {
		case 0x21: // extension: its label, then data sub-blocks
			i = skipSubBlocks(b, i+2)
		case 0x2C: // image descriptor
			if i+10 > len(b) {
				return 0, broken
			}
			frames++
			flags := b[i+9]
			i += 10
			if flags&0x80 != 0 {
				i += 3 << (flags&7 + 1) // local colour table
			}
			i = skipSubBlocks(b, i+1) // after the LZW code size
		case 0x3B: // trailer
			return frames, nil
		default:
			return 0, broken
		}
		if i < 0 {
			return 0, broken
		}
	}
	return 0, broken // no trailer: truncated
}

// skipSubBlocks returns the index after the sub-blocks starting at i, or
// -1 when they run past the end.
func skipSubBlocks(b []byte, i int) int {
	for i < len(b) {
		n := int(b[i])
		i++
		if n == 0 {
			return i
		}
		i += n
	}
	return -1
}

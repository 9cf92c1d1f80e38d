package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"testing"

	"github.com/archipel-social/archipel/media"
	"github.com/archipel-social/archipel/media/mediatest"
)

// A photograph's EXIF block (its GPS position) does not survive, and its
// orientation is applied before it is dropped.
func TestProcessStripsEXIFAndTurnsUpright(t *testing.T) {
	in := mediatest.JPEGWithGPS(40, 20)
	if !bytes.Contains(in, []byte(mediatest.ExifMarker)) {
		t.Fatal("the test file lacks its EXIF block")
	}
	p, err := media.Process(in, media.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if p.Original.MediaType != "image/jpeg" || p.Original.Width != 20 || p.Original.Height != 40 {
		t.Errorf("original: %s %d×%d, want image/jpeg 20×40 (turned by the orientation)", p.Original.MediaType, p.Original.Width, p.Original.Height)
	}
	for name, b := range map[string][]byte{"original": p.Original.Data, "preview": p.Preview.Data} {
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte(mediatest.ExifMarker)) {
			t.Errorf("%s keeps EXIF", name)
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Original.Data))
	if err != nil {
		t.Fatal(err)
	}
	// Turned 90° clockwise, the red left half is now the top.
	if r, _, b, _ := img.At(10, 5).RGBA(); r < b {
		t.Errorf("top is not red: the orientation was not applied")
	}
	if len(p.Blurhash) < 6 {
		t.Errorf("blurhash %q", p.Blurhash)
	}
}

func TestProcessFormats(t *testing.T) {
	webp, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	gifWithComment := mediatest.AnimatedGIF(30, 10, 3)
	comment := append(append([]byte{0x21, 0xFE, byte(len(mediatest.ExifMarker))}, mediatest.ExifMarker...), 0)
	gifWithComment = append(append(gifWithComment[:len(gifWithComment)-1:len(gifWithComment)-1], comment...), 0x3B)
	for _, c := range []struct {
		name, wantType string
		data           []byte
		w, h           int
	}{
		{"png", "image/png", mediatest.PNG(1000, 500), 1000, 500},
		{"webp", "image/jpeg", webp, 0, 0},
		{"gif", "image/gif", gifWithComment, 30, 10},
	} {
		p, err := media.Process(c.data, media.DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.Original.MediaType != c.wantType || (c.w != 0 && (p.Original.Width != c.w || p.Original.Height != c.h)) {
			t.Errorf("%s: %s %d×%d", c.name, p.Original.MediaType, p.Original.Width, p.Original.Height)
		}
		if p.Preview.Width > media.PreviewSide || p.Preview.Height > media.PreviewSide || p.Preview.Width == 0 {
			t.Errorf("%s: preview %d×%d", c.name, p.Preview.Width, p.Preview.Height)
		}
		if p.Blurhash == "" || bytes.Contains(p.Original.Data, []byte(mediatest.ExifMarker)) {
			t.Errorf("%s: blurhash %q, or metadata kept", c.name, p.Blurhash)
		}
	}
	if p, _ := media.Process(mediatest.PNG(1000, 500), media.DefaultLimits); p.Preview.Width != 640 || p.Preview.Height != 320 {
		t.Errorf("preview of 1000×500: %d×%d", p.Preview.Width, p.Preview.Height)
	}
}

func TestProcessRefuses(t *testing.T) {
	jpg := mediatest.JPEGWithGPS(64, 64)
	small := media.Limits{MaxBytes: 1000}
	for _, c := range []struct {
		name   string
		data   []byte
		limits media.Limits
		want   error
	}{
		{"text", []byte("hello, this is not a picture"), media.DefaultLimits, media.ErrType},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), media.DefaultLimits, media.ErrType},
		{"too large", jpg, small, media.ErrTooLarge},
		{"bomb", mediatest.Bomb(100000, 100000), media.DefaultLimits, media.ErrPixels},
		{"truncated", jpg[:len(jpg)/2], media.DefaultLimits, media.ErrBroken},
		{"broken header", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...), media.DefaultLimits, media.ErrBroken},
		{"too many frames", mediatest.AnimatedGIF(100, 100, 20), media.Limits{MaxPixels: 20000}, media.ErrPixels},
	} {
		_, err := media.Process(c.data, c.limits)
		var me *media.Error
		if !errors.Is(err, c.want) || !errors.As(err, &me) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestProfile(t *testing.T) {
	img, err := media.Profile(mediatest.JPEGWithGPS(900, 300), media.DefaultLimits, media.AvatarSide, media.AvatarSide)
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 400 || img.Height != 400 || bytes.Contains(img.Data, []byte(mediatest.ExifMarker)) {
		t.Errorf("avatar: %d×%d", img.Width, img.Height)
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 3000, 1000))
	transparent.Set(1, 1, color.NRGBA{A: 10})
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, transparent, nil)
	h, err := media.Profile(buf.Bytes(), media.DefaultLimits, media.HeaderWidth, media.HeaderHeight)
	if err != nil || h.Width != 1500 || h.Height != 500 {
		t.Errorf("header: %+v %v", h, err)
	}
}

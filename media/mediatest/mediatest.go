// Package mediatest makes the pictures media tests upload: a JPEG carrying
// an EXIF block with a GPS position and an orientation, a decompression
// bomb, a truncated file.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// ExifMarker is the text the EXIF block of JPEGWithGPS carries as its image
// description: found in a file, it shows the metadata survived.
const ExifMarker = "Archipel-EXIF-marker"

// gradient is a w × h picture whose left half is red and right half blue,
// so a test can tell which way it was turned.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{R: 220, G: uint8(y * 255 / h), B: 20, A: 255}
			if x >= w/2 {
				c = color.NRGBA{R: 20, G: uint8(y * 255 / h), B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// JPEGWithGPS is a w × h JPEG whose EXIF says to turn it 90° clockwise
// (orientation 6) and holds a GPS latitude and ExifMarker.
func JPEGWithGPS(w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gradient(w, h), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	plain := buf.Bytes()
	exif := exifBlock()
	out := append([]byte{}, plain[:2]...) // SOI
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(exif)+2))
	out = append(append(out, seg...), exif...)
	return append(out, plain[2:]...)
}

// exifBlock is an APP1 payload: "Exif", a big-endian TIFF header, IFD0
// (description, orientation, GPS pointer) and a GPS IFD (latitude).
func exifBlock() []byte {
	be := binary.BigEndian
	var t []byte
	u16 := func(v uint16) { t = be.AppendUint16(t, v) }
	u32 := func(v uint32) { t = be.AppendUint32(t, v) }
	entry := func(tag, typ uint16, count, value uint32) { u16(tag); u16(typ); u32(count); u32(value) }
	desc := append([]byte(ExifMarker), 0)
	const ifd0, gpsIFD, latData = 8, 8 + 2 + 3*12 + 4, 8 + 2 + 3*12 + 4 + 2 + 2*12 + 4
	const descData = latData + 24
	t = append(t, 'M', 'M', 0, 42)
	u32(ifd0)
	u16(3)
	entry(0x010E, 2, uint32(len(desc)), descData) // ImageDescription
	entry(0x0112, 3, 1, 6<<16)                    // Orientation: 6, left-justified SHORT
	entry(0x8825, 4, 1, gpsIFD)                   // GPSInfo
	u32(0)
	u16(2)
	entry(0x0001, 2, 2, uint32('N')<<24) // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, latData)         // GPSLatitude
	u32(0)
	for _, r := range [][2]uint32{{48, 1}, {51, 1}, {2400, 100}} { // 48° 51' 24"
		u32(r[0])
		u32(r[1])
	}
	t = append(t, desc...)
	return append([]byte("Exif\x00\x00"), t...)
}

// PNG is a w × h PNG.
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, gradient(w, h)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Bomb is a small PNG whose header claims w × h pixels: decoding it would
// take w × h × 4 bytes.
func Bomb(w, h uint32) []byte {
	b := PNG(8, 8)
	// IHDR's data starts after the 8-byte signature and the chunk's length
	// and type; its CRC covers type and data.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// AnimatedGIF is a w × h GIF of n frames.
func AnimatedGIF(w, h, n int) []byte {
	pal := color.Palette{color.Black, color.White, color.NRGBA{R: 255, A: 255}}
	g := &gif.GIF{LoopCount: 0}
	for i := 0; i < n; i++ {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for x := 0; x < w; x++ {
			f.SetColorIndex(x, (x+i)%h, uint8(1+i%2))
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

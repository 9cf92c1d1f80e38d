package inbox_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// pdfStream produces size bytes that the node accepts as a PDF without ever
// holding them in memory.
type pdfStream struct {
	left int64
	head []byte
	rng  *rand.ChaCha8
}

func newPDFStream(size int64) *pdfStream {
	return &pdfStream{left: size, head: []byte("%PDF-1.7\n%âãÏÓ\n"), rng: rand.NewChaCha8([32]byte{1})}
}

func (p *pdfStream) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := copy(b, p.head)
	p.head = p.head[n:]
	_, _ = p.rng.Read(b[n:])
	p.left -= int64(len(b))
	return len(b), nil
}

// peakRSS is the process's high-water mark of resident memory (VmHWM).
func peakRSS(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkDocumentTransfer uploads then downloads one file of
// ARCHIPEL_BENCH_FILE_MIB MiB (default 1024) through a real node over HTTP
// and reports the process's peak resident memory: it must stay flat, far
// below the file's size, because uploads and downloads are streamed.
// Run: go test -run=^$ -bench=DocumentTransfer -benchtime=1x ./inbox
func BenchmarkDocumentTransfer(b *testing.B) {
	mib := int64(1024)
	if v, err := strconv.ParseInt(os.Getenv("ARCHIPEL_BENCH_FILE_MIB"), 10, 64); err == nil && v > 0 {
		mib = v
	}
	size := mib << 20
	n := testnet.StartNode(b, testnet.Options{MaxUploadBytes: size + 1})
	alice := n.CreateUser("alice", store.TierState, "")
	var g groupEntity
	alice.API("POST", "/groups", map[string]any{"name": "Gros fichiers"}).JSON(b, &g)
	debug.FreeOSMemory()
	before := peakRSS(b)
	b.ResetTimer()
	for i := range b.N {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			fw, err := mw.CreateFormFile("file", fmt.Sprintf("archive-%d.pdf", i))
			if err == nil {
				_, err = io.Copy(fw, newPDFStream(size))
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		req, _ := http.NewRequest("POST", n.URL+"/api/v1/groups/"+g.ID+"/documents", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var doc documentEntity
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		(&testnet.Response{Status: resp.StatusCode, Body: body}).JSON(b, &doc)
		if resp.StatusCode != 200 || doc.Size != size {
			b.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		req, _ = http.NewRequest("GET", n.URL+"/api/v1/documents/"+doc.ID+"/file", nil)
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		got, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		if err != nil || got != size || hex.EncodeToString(h.Sum(nil)) != doc.SHA256 {
			b.Fatalf("download: %d bytes, %v", got, err)
		}
	}
	b.StopTimer()
	after := peakRSS(b)
	b.ReportMetric(float64(size>>20), "file_MiB")
	b.ReportMetric(after, "peak_RSS_MiB")
	b.ReportMetric(after-before, "peak_RSS_growth_MiB")
	b.SetBytes(2 * size)
}

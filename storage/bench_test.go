package storage_test

import (
	"context"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPutAndRead stores and reads back a file of each size in each
// store, and reports the peak of live heap during the transfers
// (peak-heap-B): it stays flat whatever the file's size, since neither
// store holds a file in memory.
func BenchmarkPutAndRead(b *testing.B) {
	for _, size := range []int64{8 << 20, 256 << 20} {
		for _, bm := range backends() {
			b.Run(bm.name+"/"+sizeName(size), func(b *testing.B) {
				be := bm.make(b)
				ctx := context.Background()
				b.SetBytes(size)
				runtime.GC()
				peak := sampleHeapPeak()
				for i := 0; b.Loop(); i++ {
					r := io.LimitReader(&patternReader{seed: byte(i)}, size)
					blob, err := be.blobs.Put(ctx, r, size)
					if err != nil {
						b.Fatal(err)
					}
					f, _, err := be.blobs.Open(ctx, blob.SHA256)
					if err != nil {
						b.Fatal(err)
					}
					if n, err := io.Copy(io.Discard, f); err != nil || n != size {
						b.Fatalf("read %d: %v", n, err)
					}
					f.Close()
					if err := be.blobs.Delete(ctx, blob.SHA256); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(peak()), "peak-heap-B")
			})
		}
	}
}

func sizeName(n int64) string { return strconv.FormatInt(n>>20, 10) + "MiB" }

// sampleHeapPeak samples the live heap every millisecond until the returned
// function is called, which gives the largest value seen.
func sampleHeapPeak() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); <-done; return peak.Load() }
}

// patternReader produces distinct bytes without holding them.
type patternReader struct {
	seed byte
	n    byte
}

func (c *patternReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.seed ^ c.n
		c.n++
	}
	return len(p), nil
}

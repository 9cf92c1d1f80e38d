package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3-compatible bucket is and how to sign for it.
type S3Config struct {
	// Endpoint is host[:port] of the S3 API (s3.amazonaws.com for AWS).
	Endpoint string
	// Secure selects https.
	Secure bool
	// Region is the bucket's region; empty asks the server.
	Region string
	Bucket string
	// Prefix, when set, is prepended to every key (prefix/ab/cd/<digest>),
	// so that several nodes can share a bucket.
	Prefix    string
	AccessKey string
	SecretKey string
	// SpoolDir holds uploads while they are hashed, before they are sent:
	// local disk, one file per upload in progress, never memory.
	SpoolDir string
}

// S3 stores blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage,
// versitygw…), under [prefix/]ab/cd/<digest> like Dir, so that a folder can
// be copied into a bucket as it is. Its endpoint comes from the operator's
// configuration, never from the network, so it does not go through the
// federation's SSRF-safe client (which refuses the private addresses
// storage servers usually have).
type S3 struct {
	client   *minio.Client
	core     minio.Core
	cfg      S3Config
	endpoint string // scheme://host, for messages
}

// Reads are ranged GETs sized to what is read: the first GET after a seek
// asks for what the first Read wants (so a Range request of http.ServeContent,
// which reads through an io.LimitedReader, asks the bucket for its bytes and
// no more), each later GET for twice as much as the one before, up to
// maxWindow, so a whole download takes a few streamed requests.
const maxWindow = 16 << 20

// checkTimeout bounds the start-up check of the bucket.
const checkTimeout = 15 * time.Second

// probeKey is read at start-up: a missing key proves that the bucket exists
// and that the credentials are accepted, with only the read permission.
const probeKey = "archipel-probe"

// NewS3 connects to a bucket and checks, once, that it exists and that the
// credentials are accepted; Archipel never creates buckets (a mistyped name
// must fail here, not start an empty store).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("storage: an s3:// storage URL needs ARCHIPEL_S3_ACCESS_KEY and ARCHIPEL_S3_SECRET_KEY")
	}
	if err := prepareSpool(cfg.SpoolDir); err != nil {
		return nil, err
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
		// Path-style requests for every server but AWS and GCS, which
		// minio-go addresses by virtual host.
		BucketLookup: minio.BucketLookupAuto,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: S3 endpoint %q: %w", cfg.Endpoint, err)
	}
	scheme := "http"
	if cfg.Secure {
		scheme = "https"
	}
	s := &S3{client: client, core: minio.Core{Client: client}, cfg: cfg, endpoint: scheme + "://" + cfg.Endpoint}
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *S3) key(sum string) (string, bool) {
	k, ok := blobKey(sum)
	if s.cfg.Prefix != "" {
		k = s.cfg.Prefix + "/" + k
	}
	return k, ok
}

func (s *S3) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	key := probeKey
	if s.cfg.Prefix != "" {
		key = s.cfg.Prefix + "/" + key
	}
	body, _, _, err := s.core.GetObject(ctx, s.cfg.Bucket, key, minio.GetObjectOptions{})
	if err == nil {
		body.Close()
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey":
		return nil
	case resp.Code == "NoSuchBucket":
		return fmt.Errorf("storage: bucket %q does not exist on %s: create it first (Archipel does not create buckets, so that a mistyped name fails here rather than start an empty store)", s.cfg.Bucket, s.endpoint)
	case resp.StatusCode == http.StatusForbidden || credentialCodes[resp.Code]:
		return fmt.Errorf("storage: %s refused the credentials for bucket %q (%s): check ARCHIPEL_S3_ACCESS_KEY and ARCHIPEL_S3_SECRET_KEY and the key's read and write rights on the bucket", s.endpoint, s.cfg.Bucket, resp.Code)
	case resp.StatusCode == 0:
		return fmt.Errorf("storage: S3 endpoint %s does not answer: %v", s.endpoint, err)
	default:
		return fmt.Errorf("storage: bucket %q on %s: %v", s.cfg.Bucket, s.endpoint, err)
	}
}

// credentialCodes are S3's answers to a key it does not accept.
var credentialCodes = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "AccessDenied": true,
	"XAdminUserNotFound": true, // versitygw's unknown access key
}

// conditionalConflictRetries bounds the retries of a conditional PUT that
// raced another upload of the same bytes still in progress.
const conditionalConflictRetries = 3

// Put hashes the upload into a local temporary file, then sends it under
// its digest, unless the bucket has it already: the bucket never holds a
// partial or oversized file, and identical bytes are sent once. The PUT is
// conditional (If-None-Match: *) so that of two uploads of the same bytes at
// once, exactly one is New.
func (s *S3) Put(ctx context.Context, r io.Reader, max int64) (Blob, error) {
	sp, err := spool(ctx, s.cfg.SpoolDir, r, max)
	if err != nil {
		return Blob{}, err
	}
	defer sp.discard()
	b := sp.blob
	key, _ := s.key(b.SHA256)
	if _, err := s.client.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{}); err == nil {
		return b, nil
	} else if minio.ToErrorResponse(err).Code != "NoSuchKey" {
		return Blob{}, s.fail(err)
	}
	conditional := true
	for attempt := 0; ; attempt++ {
		if _, err := sp.file.Seek(0, io.SeekStart); err != nil {
			return Blob{}, fmt.Errorf("storage: %w", err)
		}
		opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
		if conditional {
			opts.SetMatchETagExcept("*")
		}
		_, err := s.client.PutObject(ctx, s.cfg.Bucket, key, sp.file, b.Size, opts)
		switch code := minio.ToErrorResponse(err).Code; {
		case err == nil:
			b.New = true
			return b, nil
		case code == "PreconditionFailed":
			return b, nil // stored by another upload of the same bytes
		case code == "ConditionalRequestConflict" && attempt < conditionalConflictRetries:
			continue // that other upload is still in progress
		case code == "NotImplemented" && conditional:
			conditional = false // a server without conditional writes
		default:
			return Blob{}, s.fail(err)
		}
	}
}

// Open reads a blob: one HEAD now for its size, then ranged GETs as it is
// read.
func (s *S3) Open(ctx context.Context, sum string) (ReadSeekCloser, int64, error) {
	key, ok := s.key(sum)
	if !ok {
		return nil, 0, ErrNotFound
	}
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, 0, ErrNotFound
		}
		return nil, 0, s.fail(err)
	}
	return &s3Reader{ctx: ctx, s: s, key: key, size: info.Size}, info.Size, nil
}

// Delete removes a blob; a missing one is not an error.
func (s *S3) Delete(ctx context.Context, sum string) error {
	key, ok := s.key(sum)
	if !ok {
		return nil
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return s.fail(err)
	}
	return nil
}

// fail names the store in an error (for the logs; callers answer users
// without it).
func (s *S3) fail(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("storage: bucket %q on %s: %w", s.cfg.Bucket, s.endpoint, err)
}

// s3Reader reads an object through ranged GETs: each seek drops the current
// response, and each read past it asks for the next window.
type s3Reader struct {
	ctx  context.Context
	s    *S3
	key  string
	size int64

	off    int64         // next byte Read returns
	body   io.ReadCloser // serves [off, end) when not nil
	end    int64
	window int64 // size of the last GET since the last seek (0: none yet)
}

func (o *s3Reader) Read(p []byte) (int, error) {
	if o.off >= o.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if o.body == nil {
		if err := o.fetch(int64(len(p))); err != nil {
			return 0, err
		}
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	if o.off >= o.end || errors.Is(err, io.EOF) {
		o.drop()
		if o.off < o.end {
			return n, io.ErrUnexpectedEOF
		}
		err = nil
	}
	return n, err
}

// fetch opens the next window at off, for a Read of want bytes.
func (o *s3Reader) fetch(want int64) error {
	o.window = max(want, min(2*o.window, maxWindow))
	o.end = min(o.off+o.window, o.size)
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(o.off, o.end-1); err != nil {
		return err
	}
	body, _, _, err := o.s.core.GetObject(o.ctx, o.s.cfg.Bucket, o.key, opts)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return ErrNotFound
		}
		return o.s.fail(err)
	}
	o.body = body
	return nil
}

func (o *s3Reader) drop() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

func (o *s3Reader) Seek(offset int64, whence int) (int64, error) {
	pos := offset
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		pos += o.off
	case io.SeekEnd:
		pos += o.size
	default:
		return o.off, errors.New("storage: bad whence")
	}
	if pos < 0 {
		return o.off, errors.New("storage: seek before the start")
	}
	if pos != o.off {
		// What follows a seek is usually a short range: start small again.
		o.drop()
		o.off, o.window = pos, 0
	}
	return pos, nil
}

func (o *s3Reader) Close() error {
	o.drop()
	return nil
}

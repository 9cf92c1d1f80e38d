package storage

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Location is a parsed storage URL: a folder or a bucket.
type Location struct {
	Dir string    // set for file:// (and the default)
	S3  *S3Config // set for s3://
}

// defaultS3Endpoint is AWS's, for s3:// URLs without an endpoint.
const defaultS3Endpoint = "s3.amazonaws.com"

// ParseURL reads a storage URL:
//
//	""                       <dataDir>/files (the folder nodes always used)
//	file:///srv/archipel     that folder
//	s3://bucket[/prefix]?endpoint=host:port&region=r&secure=false
//	s3://bucket?endpoint=http://host:port      (http:// or https:// sets secure)
//
// Without an endpoint, an s3:// URL is AWS S3 (https). Credentials are not
// part of the URL (they would show in process lists and logs); the caller
// adds them to the returned S3Config.
func ParseURL(raw, dataDir string) (Location, error) {
	if raw == "" {
		return Location{Dir: filepath.Join(dataDir, "files")}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("storage URL: %v", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
			return Location{}, fmt.Errorf("storage URL %q: want file:///absolute/path", raw)
		}
		return Location{Dir: filepath.Clean(u.Path)}, nil
	case "s3":
		cfg, err := parseS3(u)
		if err != nil {
			return Location{}, fmt.Errorf("storage URL %q: %v", raw, err)
		}
		cfg.SpoolDir = filepath.Join(dataDir, "tmp")
		return Location{S3: cfg}, nil
	default:
		return Location{}, fmt.Errorf("storage URL %q: want file:///path or s3://bucket?endpoint=host:port", raw)
	}
}

func parseS3(u *url.URL) (*S3Config, error) {
	if u.User != nil {
		return nil, fmt.Errorf("put the keys in ARCHIPEL_S3_ACCESS_KEY and ARCHIPEL_S3_SECRET_KEY, not in the URL")
	}
	if err := s3utils.CheckValidBucketNameStrict(u.Host); err != nil {
		return nil, fmt.Errorf("bucket %q: %v", u.Host, err)
	}
	cfg := &S3Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Endpoint: defaultS3Endpoint, Secure: true}
	q := u.Query()
	for name := range q {
		switch name {
		case "endpoint", "region", "secure":
		default:
			return nil, fmt.Errorf("unknown parameter %q (endpoint, region and secure are)", name)
		}
	}
	schemeSecure := ""
	if ep := q.Get("endpoint"); ep != "" {
		if i := strings.Index(ep, "://"); i >= 0 {
			e, err := url.Parse(ep)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || strings.Trim(e.Path, "/") != "" {
				return nil, fmt.Errorf("endpoint %q: want host:port, http://host:port or https://host:port", ep)
			}
			ep, schemeSecure = e.Host, strconv.FormatBool(e.Scheme == "https")
		}
		if strings.ContainsAny(ep, "/?#@") {
			return nil, fmt.Errorf("endpoint %q: want host:port", ep)
		}
		cfg.Endpoint = ep
	}
	cfg.Secure = schemeSecure != "false"
	if s := q.Get("secure"); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("secure=%q: want true or false", s)
		}
		if schemeSecure != "" && schemeSecure != strconv.FormatBool(v) {
			return nil, fmt.Errorf("secure=%s contradicts the endpoint's scheme", s)
		}
		cfg.Secure = v
	}
	cfg.Region = q.Get("region")
	return cfg, nil
}

// Open opens the store a storage URL names: a folder is created if needed;
// a bucket must exist and accept the keys.
func Open(ctx context.Context, raw, dataDir, accessKey, secretKey string) (Blobs, error) {
	loc, err := ParseURL(raw, dataDir)
	if err != nil {
		return nil, err
	}
	if loc.S3 == nil {
		return NewDir(loc.Dir)
	}
	loc.S3.AccessKey, loc.S3.SecretKey = accessKey, secretKey
	return NewS3(ctx, *loc.S3)
}

package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/go-cleanhttp"
)

// tlsSettings are the TLS settings of an OpenStack configuration: cacert,
// cert, key and verify (or insecure) in clouds.yaml, OS_CACERT, OS_CERT,
// OS_KEY and OS_INSECURE in the environment.
type tlsSettings struct {
	ca, cert, key osValue
	// insecure is "true" or "false" (or the text of OS_INSECURE).
	insecure osValue
}

// tlsIdleConnsPerHost matches the idle connections the service clients'
// default HTTP client keeps per endpoint.
const tlsIdleConnsPerHost = 100

// tlsConfig builds the TLS configuration the settings ask for, or nil when
// there are none. Relative paths are taken from the working directory, as
// the OpenStack clients do, and a leading "~/" means the home directory.
func (c *osConfig) tlsConfig() (*tls.Config, error) {
	t := c.tls
	if len(setOnes(t.ca, t.cert, t.key, t.insecure)) == 0 {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.ca.isSet() {
		pem, err := c.readPEM(t.ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, c.invalid(t.ca.v+" holds no PEM certificate", t.ca)
		}
		cfg.RootCAs = pool
	}
	switch {
	case t.cert.isSet():
		certPEM, err := c.readPEM(t.cert)
		if err != nil {
			return nil, err
		}
		keyPEM := certPEM // the key may sit in the certificate's file
		if t.key.isSet() {
			if keyPEM, err = c.readPEM(t.key); err != nil {
				return nil, err
			}
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			if !t.key.isSet() {
				return nil, c.invalid(t.cert.v+" holds no private key that fits: set "+t.key.src.key+" to the key's file", t.cert, t.key)
			}
			return nil, c.invalid("the certificate and key do not make a pair: "+err.Error(), t.cert, t.key)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case t.key.isSet():
		return nil, c.invalid("not set: a client key needs its certificate", t.cert)
	}
	if t.insecure.isSet() {
		off, err := strconv.ParseBool(strings.TrimSpace(t.insecure.v))
		if err != nil {
			return nil, c.invalid("want true or false", t.insecure)
		}
		cfg.InsecureSkipVerify = off
	}
	return cfg, nil
}

// readPEM reads the file a TLS setting names.
func (c *osConfig) readPEM(v osValue) ([]byte, error) {
	path := v.v
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, c.invalid("cannot find the home directory for "+path, v)
		}
		path = filepath.Join(home, rest)
	}
	f, err := os.Open(path)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(f, maxPEMFile+1))
		f.Close()
	}
	if err != nil {
		problem := "cannot read " + path
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, c.invalid(problem+": "+err.Error(), v)
	}
	if len(b) > maxPEMFile {
		return nil, c.invalid(fmt.Sprintf("%s is over %d bytes", path, maxPEMFile), v)
	}
	return b, nil
}

// maxPEMFile bounds a CA, certificate or key file.
const maxPEMFile = 4 << 20

// tlsTransport returns a pooled transport, as go-cleanhttp makes them,
// that uses cfg.
func tlsTransport(cfg *tls.Config) *http.Transport {
	tr := cleanhttp.DefaultPooledTransport()
	tr.TLSClientConfig = cfg
	tr.MaxIdleConnsPerHost = tlsIdleConnsPerHost
	if tr.MaxIdleConns < tlsIdleConnsPerHost {
		tr.MaxIdleConns = tlsIdleConnsPerHost
	}
	return tr
}

// insecureWarned holds the settings whose warning has been logged, so each
// is logged once per process however often it is read.
var insecureWarned sync.Map

// warnInsecure logs, once per setting, that certificate verification is
// off.
func (c *osConfig) warnInsecure(l *slog.Logger) {
	src := c.tls.insecure.src
	if l == nil {
		return
	}
	if _, seen := insecureWarned.LoadOrStore(src.file+"\x00"+c.cloud+"\x00"+src.key, struct{}{}); seen {
		return
	}
	attrs := []slog.Attr{slog.String("setting", src.key)}
	if src.file != "" {
		attrs = append(attrs, slog.String("file", src.file), slog.String("cloud", c.cloud))
	}
	l.LogAttrs(context.Background(), slog.LevelWarn,
		"auth: TLS certificate verification is turned off: anyone on the network path can read and change the traffic, credentials included", attrs...)
}

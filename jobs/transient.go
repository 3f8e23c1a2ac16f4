package jobs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/cloudmigrate/cloudmigrate"
)

// transient reports whether a poll that failed with err may succeed if
// tried again later. The caller has already ruled out its own context
// being done.
func transient(err error) bool {
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		// Throttling, 502/503/504 and the throttling codes, plus any other
		// 5xx: the job's record is still there, the service is just not
		// answering well right now.
		return apiErr.Temporary() || apiErr.StatusCode >= 500
	}
	if errors.Is(err, context.Canceled) {
		// Someone cancelled the poll other than through our context.
		return false
	}
	if certificateError(err) {
		// A *url.Error is a net.Error, but a certificate that does not
		// verify will not verify on the next poll either.
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ETIMEDOUT) {
		return true
	}
	// net.Error covers *url.Error, *net.OpError, *net.DNSError, timeouts
	// from http.Client and context.DeadlineExceeded itself. The last one
	// here is a per-request timeout, since the caller has already checked
	// its own deadline: the service was slow, not wrong.
	var netErr net.Error
	return errors.As(err, &netErr)
}

func certificateError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

// retryAfter returns the wait the service asked for, if err carries one.
func retryAfter(err error) time.Duration {
	var apiErr *cloudmigrate.Error
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return 0
}

package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sort"
	"strings"
	"syscall"
	"time"
)

// sample is one metric value with its tags, as k6 records it.
type sample struct {
	value float64
	tags  map[string]string
}

type metric struct {
	name, typ, contains string
	samples             []sample
}

// store holds every metric of a run, shared by all VU runtimes (k6's registry and sinks).
type store struct {
	metrics map[string]*metric
}

func newStore() *store { return &store{metrics: map[string]*metric{}} }

// define is k6's Registry.NewMetric: redeclaring a name with another type is an error.
func (s *store) define(name, typ, contains string) error {
	if m, ok := s.metrics[name]; ok {
		if m.typ != typ || m.contains != contains {
			return fmt.Errorf("metric %q already exists as a %s (%s), not a %s (%s)", name, m.typ, m.contains, typ, contains)
		}
		return nil
	}
	s.metrics[name] = &metric{name: name, typ: typ, contains: contains}
	return nil
}

func (s *store) add(name string, value float64, tags map[string]string) error {
	m, ok := s.metrics[name]
	if !ok {
		return fmt.Errorf("sample for undeclared metric %q", name)
	}
	m.samples = append(m.samples, sample{value: value, tags: tags})
	return nil
}

func (s *store) names() []string {
	out := make([]string, 0, len(s.metrics))
	for name := range s.metrics {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// httpResult is what the k6/http stand-in turns into a k6 Response.
type httpResult struct {
	Status        int                `json:"status"`
	StatusText    string             `json:"status_text"`
	Body          string             `json:"body"`
	Headers       map[string]string  `json:"headers"`
	Proto         string             `json:"proto"`
	Error         string             `json:"error"`
	ErrorCode     int                `json:"error_code"`
	BytesSent     int                `json:"bytes_sent"`
	BytesReceived int                `json:"bytes_received"`
	Timings       map[string]float64 `json:"timings"`
}

var client = &http.Client{
	Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 16},
	// k6 follows up to 10 redirects by default.
	CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	},
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// doRequest sends one request and measures k6's timings. Like k6, a request that gets no
// response has status 0, an error and error_code, and a duration of sending + waiting +
// receiving: about 0, not the time spent failing to connect.
func doRequest(method, url, body string, headers map[string]string, timeout time.Duration) httpResult {
	zero := map[string]float64{"duration": 0, "blocked": 0, "connecting": 0, "tls_handshaking": 0, "sending": 0, "waiting": 0, "receiving": 0}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return httpResult{Error: err.Error(), ErrorCode: 1000, Timings: zero, Headers: map[string]string{}}
	}
	for k, v := range headers {
		if strings.EqualFold(k, "host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "k6-engine-check (+tools/k6-engine-check)")
	}
	var start, gotConn, connStart, connDone, tlsStart, tlsDone, wrote, firstByte time.Time
	trace := &httptrace.ClientTrace{
		GetConn:              func(string) { start = time.Now() },
		ConnectStart:         func(string, string) { connStart = time.Now() },
		ConnectDone:          func(string, string, error) { connDone = time.Now() },
		TLSHandshakeStart:    func() { tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { tlsDone = time.Now() },
		GotConn:              func(httptrace.GotConnInfo) { gotConn = time.Now() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
		GotFirstResponseByte: func() { firstByte = time.Now() },
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	c := *client
	c.Timeout = timeout
	res, err := c.Do(req)
	if err != nil {
		code := 1000
		if errors.Is(err, syscall.ECONNREFUSED) {
			code = 1212
		} else if strings.Contains(err.Error(), "Client.Timeout") {
			code = 1050
		}
		return httpResult{Error: err.Error(), ErrorCode: code, Timings: zero, Headers: map[string]string{}}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	end := time.Now()
	out := httpResult{Status: res.StatusCode, StatusText: res.Status, Body: string(data), Proto: res.Proto, Headers: map[string]string{}}
	if err != nil {
		out.Error, out.ErrorCode = err.Error(), 1000
	}
	for k, v := range res.Header {
		out.Headers[k] = strings.Join(v, ", ")
	}
	out.BytesSent = len(method) + len(url) + len(body)
	for k, v := range req.Header {
		out.BytesSent += len(k) + len(strings.Join(v, ", ")) + 4
	}
	out.BytesReceived = len(data)
	if firstByte.IsZero() {
		firstByte = end
	}
	t := map[string]float64{
		"blocked":         ms(gotConn.Sub(start)),
		"connecting":      0,
		"tls_handshaking": 0,
		"sending":         ms(wrote.Sub(gotConn)),
		"waiting":         ms(firstByte.Sub(wrote)),
		"receiving":       ms(end.Sub(firstByte)),
	}
	if !connStart.IsZero() && !connDone.IsZero() {
		t["connecting"] = ms(connDone.Sub(connStart))
	}
	if !tlsStart.IsZero() && !tlsDone.IsZero() {
		t["tls_handshaking"] = ms(tlsDone.Sub(tlsStart))
	}
	t["duration"] = t["sending"] + t["waiting"] + t["receiving"]
	out.Timings = t
	return out
}

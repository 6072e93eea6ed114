package http

import (
	"bytes"
	"encoding/json"
	"net"
	"strconv"
)

// net/http answers a request whose header exceeds MaxHeaderBytes itself,
// before any handler runs, with a plain-text 431 written in one Write to
// the connection. jsonErrorListener's connections replace exactly that
// answer with the JSON error shape every other answer has, so that a
// client parsing errors never meets a body it cannot read.
const plain431 = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large"

// json431 is the replacement: the same status, the JSON error shape.
var json431 = func() []byte {
	body, _ := json.Marshal(errorBody{Error: errorPayload{Code: "header_too_large",
		Message: "the request's header is larger than " + humanBytes(maxHeaderBytes) + "; send fewer or shorter headers (cookies included)"}})
	return []byte("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + string(body))
}()

// maxHeaderBytes bounds a request's header (net/http allows 4 KiB more).
const maxHeaderBytes = 64 << 10

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

type jsonErrorConn struct{ net.Conn }

func (c jsonErrorConn) Write(b []byte) (int, error) {
	if len(b) == len(plain431) && bytes.Equal(b, []byte(plain431)) {
		if _, err := c.Conn.Write(json431); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

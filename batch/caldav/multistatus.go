package caldav

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// multistatus is the part of a WebDAV 207 answer (RFC 4918, 14.16) that
// this package reads. We decode it ourselves because go-webdav decodes
// calendar-data into go-ical values, and re-encoding them would not give
// the server's bytes back.
type multistatus struct {
	Responses []response `xml:"DAV: response"`
}

type response struct {
	Hrefs     []string   `xml:"DAV: href"`
	Status    string     `xml:"DAV: status"`
	Propstats []propstat `xml:"DAV: propstat"`
}

type propstat struct {
	Status string `xml:"DAV: status"`
	Prop   struct {
		ETag         *string `xml:"DAV: getetag"`
		Length       *string `xml:"DAV: getcontentlength"`
		CalendarData *string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
		Principal    *struct {
			Href string `xml:"DAV: href"`
		} `xml:"DAV: current-user-principal"`
		ResourceType *struct {
			Collection *struct{} `xml:"DAV: collection"`
			Calendar   *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
			Principal  *struct{} `xml:"DAV: principal"`
		} `xml:"DAV: resourcetype"`
		HomeSet *struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav calendar-home-set"`
		InboxURL *struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav schedule-inbox-URL"`
		OutboxURL *struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav schedule-outbox-URL"`
	} `xml:"DAV: prop"`
}

// found is what one response says with status 200 (2xx).
type found struct {
	href         string
	etag         *string
	data         *string
	size         int64 // getcontentlength; -1 when not given or unreadable
	isCalendar   bool
	isCollection bool
	isPrincipal  bool     // a principal: its resource type says so, or it names a calendar home
	schedule     []string // a principal's scheduling inbox and outbox (RFC 6638)
	principal    string   // current-user-principal href
}

// decodeMultistatus reads a 207 body, keeping carriage returns in text:
// an XML parser turns every CR LF into LF (XML 1.0, 2.11), so the CRs are
// turned into character references first.
func decodeMultistatus(body []byte) ([]found, error) {
	var ms multistatus
	if err := xml.Unmarshal(protectCR(body), &ms); err != nil {
		return nil, fmt.Errorf("multi-status answer: %w", err)
	}
	var out []found
	for _, r := range ms.Responses {
		if f, ok := foundOf(r); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// foundOf is what one response says with status 200 (2xx); false for a
// response without an href.
func foundOf(r response) (found, bool) {
	if len(r.Hrefs) == 0 {
		return found{}, false
	}
	f := found{href: strings.TrimSpace(r.Hrefs[0]), size: -1}
	for _, ps := range r.Propstats {
		if !okStatus(ps.Status) {
			continue
		}
		if ps.Prop.ETag != nil {
			f.etag = ps.Prop.ETag
		}
		if ps.Prop.CalendarData != nil {
			f.data = ps.Prop.CalendarData
		}
		if ps.Prop.Length != nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(*ps.Prop.Length), 10, 64); err == nil && n >= 0 {
				f.size = n
			}
		}
		if p := ps.Prop.Principal; p != nil {
			f.principal = strings.TrimSpace(p.Href)
		}
		for _, box := range []*struct {
			Href string `xml:"DAV: href"`
		}{ps.Prop.InboxURL, ps.Prop.OutboxURL} {
			if box != nil && strings.TrimSpace(box.Href) != "" {
				f.schedule = append(f.schedule, strings.TrimSpace(box.Href))
			}
		}
		if rt := ps.Prop.ResourceType; rt != nil {
			f.isCalendar = rt.Calendar != nil
			f.isCollection = rt.Collection != nil || rt.Calendar != nil
			f.isPrincipal = f.isPrincipal || rt.Principal != nil
		}
		if h := ps.Prop.HomeSet; h != nil && strings.TrimSpace(h.Href) != "" {
			f.isPrincipal = true
		}
	}
	if r.Status != "" && !okStatus(r.Status) {
		f.etag, f.data = nil, nil
	}
	return f, true
}

// okStatus reads "HTTP/1.1 200 OK"; an absent status counts as success.
func okStatus(s string) bool {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return s == ""
	}
	code, err := strconv.Atoi(fields[1])
	return err == nil && code/100 == 2
}

// protectCR replaces each carriage return in character data with "&#13;"
// (in a CDATA section: ends the section around it), leaving markup alone,
// so that the decoded text keeps it.
func protectCR(body []byte) []byte {
	if bytes.IndexByte(body, '\r') < 0 {
		return body
	}
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/32)
	for i := 0; i < len(body); {
		switch {
		case body[i] == '\r':
			out.WriteString("&#13;")
			i++
		case body[i] != '<':
			out.WriteByte(body[i])
			i++
		case bytes.HasPrefix(body[i:], []byte("<![CDATA[")):
			end := bytes.Index(body[i:], []byte("]]>"))
			if end < 0 { // unterminated: the decoder will say so
				out.Write(body[i:])
				return out.Bytes()
			}
			section := body[i+len("<![CDATA[") : i+end]
			out.WriteString("<![CDATA[")
			out.Write(bytes.ReplaceAll(section, []byte("\r"), []byte("]]>&#13;<![CDATA[")))
			out.WriteString("]]>")
			i += end + 3
		default:
			i += copyMarkup(&out, body[i:])
		}
	}
	return out.Bytes()
}

// copyMarkup copies one tag, comment or processing instruction as is and
// returns its length. A '>' inside a quoted attribute value does not end
// the tag.
func copyMarkup(out *bytes.Buffer, b []byte) int {
	end := len(b)
	for _, pair := range [][2]string{{"<!--", "-->"}, {"<?", "?>"}} {
		if bytes.HasPrefix(b, []byte(pair[0])) {
			if j := bytes.Index(b, []byte(pair[1])); j >= 0 {
				end = j + len(pair[1])
			}
			out.Write(b[:end])
			return end
		}
	}
	var quote byte
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			end = j + 1
			out.Write(b[:end])
			return end
		}
	}
	out.Write(b)
	return len(b)
}

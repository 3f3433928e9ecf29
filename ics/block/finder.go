package block

// Finder finds blocks as FindText, FindHTML, SpanText and SpanHTML do,
// remembering the links it has parsed: the dial-in, help and options links
// of one organiser's blocks repeat from meeting to meeting. The zero
// Finder is ready; a Finder is not safe for concurrent use, and its memory
// is bounded.
type Finder struct {
	links linkCache
}

func (f *Finder) cache() linkCache {
	if f.links == nil {
		f.links = linkCache{}
	}
	return f.links
}

// FindText is FindText, with the Finder's links.
func (f *Finder) FindText(text string) (Block, bool) { return findText(f.cache(), text, true) }

// SpanText is SpanText, with the Finder's links.
func (f *Finder) SpanText(text string) (Block, bool) { return findText(f.cache(), text, false) }

// FindHTML is FindHTML, with the Finder's links.
func (f *Finder) FindHTML(html string) (Block, bool) { return findHTML(f.cache(), html, true) }

// SpanHTML is SpanHTML, with the Finder's links.
func (f *Finder) SpanHTML(html string) (Block, bool) { return findHTML(f.cache(), html, false) }

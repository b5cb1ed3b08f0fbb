/* Compiled lexicon matching: fold, Aho-Corasick scan and resolve of LexiconMatcher.find in one pass.

Method
------
This is :meth:`pipelines.lexicon.LexiconMatcher.find` for a text whose characters are all in
Unicode's Basic Multilingual Plane (CPython stores it one or two bytes a character), written in C
so that the whole of ``find`` costs a few microseconds an article instead of tens (issue 4). The
semantics are those of the Python path in ``pipelines/lexicon.py`` and ``pipelines/text.py``; the
tests compare the two on every kind of text.

1. Fold (``pipelines.text.matching_copy``): every code point is looked up in a 65,536-entry
   table built by Python from the same fold table the Python path uses
   (``pipelines.text._table16``: lower case, letters/digits/combining marks kept, every other
   character a space, soft hyphens and zero-width characters deleted). The table gives each code
   point its *class*: 0 for a space, one class for each character that occurs in a lexicon key,
   one shared class for every other kept character (it can never be part of a key), and two
   markers: delete, and "not covered" (lone surrogates, which the Python path rejects with an
   error). Deleted characters are skipped, runs of spaces collapse to one (a leading run is
   dropped) and the copy is padded with one space at each end, exactly as the matching copy is.
   The copy itself is never built as a string: only its classes (one byte a position) and, for
   each position, the index of the text character it came from (the offset map, int32).

2. Scan: the lexicon's padded keys (`` term `` and, for a prefix term ``term*``, `` term``) are
   compiled once into an Aho-Corasick automaton (Aho & Corasick 1975, "Efficient string
   matching: an aid to bibliographic search", CACM 18(6)): a trie of the keys over the classes,
   failure links computed breadth-first, and every missing transition filled in from the failure
   state, so the automaton is a complete DFA (one table lookup a character). Each state knows
   whether some key ends there (itself or along its dictionary-suffix links), so the scan emits
   every occurrence of every key, overlapping ones included, ordered by where they end -- the
   same set ahocorasick-rs's overlapping scan gives the Python path. A scan step is one table
   lookup that waits for the previous one, so a copy of more than a few hundred characters is
   scanned as four pieces in one interleaved loop (each piece after the first starts from the
   root as many characters early as the longest key, which puts it in the state one scan would
   be in); their hits are concatenated in order.

3. Resolve, as the Python path: a key's span is its word(s) in the copy (a prefix key runs to
   the end of its word); both ends are mapped back to the text through the offset map; a
   multi-word span is dropped when it holds a line break, and, when the copy dropped characters
   inside it, when ``crosses_sentence_end`` (the Python function, called only when the span holds
   one of ``.!?\n``) says it crosses a sentence end; spans starting inside a web address (the
   Python ``web_addresses`` of the text, called only when the text holds ``http`` or ``www.``) are
   dropped; overlapping spans resolve longest first (in copy characters), then earliest, then
   first found; stop phrases are dropped; the rest become ``Match(start, end, entry)`` objects in
   start order.

Texts with a character outside the BMP (CPython's four-byte strings: emoji, rare scripts), lone
surrogates, or more than 2**31 - 9 characters are not covered: ``find`` returns None and the
caller runs the Python path.

No state is shared between calls (every buffer is allocated per call), so one automaton can be
used from several threads; the GIL is held throughout.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

#define CLS_SPACE 0
#define CLS_FALLBACK 254
#define CLS_DELETE 255
#define MAX_CLASSES 254
#define LUT_SIZE 65536
#define MAX_TEXT (INT32_MAX - 8)

#define FLAG_PREFIX 1
#define FLAG_MULTIWORD 2
#define FLAG_IGNORED 4
#define FLAG_URL 8       /* "http" or "www" (entry -1): the text may hold a web address */

typedef struct {
    int32_t key;  /* index of the key */
    int32_t end;  /* exclusive end of the key in the copy */
} Hit;

typedef struct {
    int32_t s, e;    /* span of the word(s) in the copy, [s, e) */
    int32_t ts, te;  /* the same span in the text */
    int32_t key;
    int32_t order;   /* position among the candidates: the last tie-break */
} Span;

typedef struct {
    PyObject_HEAD
    int ready;         /* set once __init__ has built everything */
    int n_classes;
    int shift;         /* a state's row holds 1 << shift entries: its classes, then the no-op class n_classes */
    int32_t n_states;
    int32_t n_keys;
    int32_t max_key;   /* the longest key, in characters */
    uint32_t *trans;   /* trans[base + class] = the target's base; a state's base is state << shift */
    uint8_t *hasout;   /* per state: does a key end there (or at one of its suffix states)? */
    int32_t *first;    /* per state: the first state along its suffix links (itself included) where a key ends, or -1 */
    int32_t *olink;    /* per state: the next such state after it, or -1 */
    int32_t *okey;     /* per state: the key ending exactly there, or -1 */
    int32_t *klen;     /* per key: length in characters, padding included */
    uint8_t *kflags;   /* per key: FLAG_* bits */
    PyObject **kentry; /* per key: the entry index as an int (owned) */
    uint8_t *lut;      /* LUT_SIZE classes, one per BMP code point */
    PyObject *crosses; /* crosses_sentence_end(text, start, end) -> bool */
    PyObject *urls;    /* web_addresses(text) -> list of (start, end) */
    PyObject *match_type;
    Py_ssize_t slot_start, slot_end, slot_entry;
    PyObject *s_http, *s_www;
} Automaton;

static void
Automaton_dealloc(Automaton *self)
{
    PyMem_Free(self->trans);
    PyMem_Free(self->hasout);
    PyMem_Free(self->first);
    PyMem_Free(self->olink);
    PyMem_Free(self->okey);
    PyMem_Free(self->klen);
    PyMem_Free(self->kflags);
    if (self->kentry != NULL) {
        for (int32_t i = 0; i < self->n_keys; i++) {
            Py_XDECREF(self->kentry[i]);
        }
        PyMem_Free(self->kentry);
    }
    PyMem_Free(self->lut);
    Py_XDECREF(self->crosses);
    Py_XDECREF(self->urls);
    Py_XDECREF(self->match_type);
    Py_XDECREF(self->s_http);
    Py_XDECREF(self->s_www);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The offset of the slot *name* of *type* (a member descriptor holding an object), or -1 with an exception. */
static Py_ssize_t
slot_offset(PyTypeObject *type, const char *name)
{
    PyObject *descr = PyDict_GetItemString(type->tp_dict, name);  /* borrowed */
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "match_type must have a slot '%s'", name);
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX || (member->flags & READONLY) || member->offset < (Py_ssize_t)sizeof(PyObject)
            || member->offset + (Py_ssize_t)sizeof(PyObject *) > type->tp_basicsize) {
        PyErr_Format(PyExc_TypeError, "slot '%s' of match_type is not a writable object slot", name);
        return -1;
    }
    return member->offset;
}

/* Build the trie of the keys, then the complete DFA (Aho & Corasick 1975, algorithms 2 and 3,
   with the goto function completed by the failure function). States are numbered breadth first,
   so the shallow states, where a scan spends most of its steps, share a few cache lines.
   Returns 0, or -1 with an exception. */
static int
build_automaton(Automaton *self, PyObject *keys)
{
    const int C = self->n_classes;
    int shift = 0;
    while ((1 << shift) < C + 1) shift++;   /* room for the no-op class */
    const size_t W = (size_t)1 << shift;
    Py_ssize_t total = 1;
    for (int32_t k = 0; k < self->n_keys; k++) {
        total += PyBytes_GET_SIZE(PyList_GET_ITEM(keys, k));
    }
    if (total > (Py_ssize_t)(INT32_MAX >> shift)) {
        PyErr_SetString(PyExc_ValueError, "lexicon too large for the compiled automaton");
        return -1;
    }
    const size_t cap = (size_t)total;
    int rc = -1;
    /* trie order: goto_, okey_, olink_, fail; queue: the states in breadth-first order; rank: its inverse */
    int32_t *goto_ = PyMem_Malloc(sizeof(int32_t) * cap * C);
    int32_t *okey_ = PyMem_Malloc(sizeof(int32_t) * cap);
    int32_t *olink_ = PyMem_Malloc(sizeof(int32_t) * cap);
    int32_t *fail = PyMem_Malloc(sizeof(int32_t) * cap);
    int32_t *queue = PyMem_Malloc(sizeof(int32_t) * cap);
    int32_t *rank = PyMem_Malloc(sizeof(int32_t) * cap);
    if (!goto_ || !okey_ || !olink_ || !fail || !queue || !rank) {
        PyErr_NoMemory();
        goto done;
    }
    for (int c = 0; c < C; c++) {
        goto_[c] = -1;
    }
    okey_[0] = -1;
    int32_t n = 1;
    for (int32_t k = 0; k < self->n_keys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(key);
        Py_ssize_t len = PyBytes_GET_SIZE(key);
        int32_t state = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            int32_t next = goto_[state * C + p[i]];
            if (next < 0) {
                next = n++;
                for (int c = 0; c < C; c++) {
                    goto_[next * C + c] = -1;
                }
                okey_[next] = -1;
                goto_[state * C + p[i]] = next;
            }
            state = next;
        }
        if (okey_[state] < 0) {   /* the first key wins (keys are distinct anyway) */
            okey_[state] = k;
        }
    }
    /* breadth first: a state's failure state is shallower, so complete before it is read */
    int32_t head = 0, tail = 0;
    queue[tail++] = 0;
    fail[0] = 0;
    olink_[0] = -1;
    while (head < tail) {
        int32_t u = queue[head++];
        for (int c = 0; c < C; c++) {
            int32_t v = goto_[u * C + c];
            int32_t via = u == 0 ? 0 : goto_[fail[u] * C + c];
            if (v < 0) {
                goto_[u * C + c] = via;
            }
            else {
                fail[v] = via;
                olink_[v] = okey_[via] >= 0 ? via : olink_[via];
                queue[tail++] = v;
            }
        }
    }
    for (int32_t i = 0; i < n; i++) {
        rank[queue[i]] = i;
    }
    self->okey = PyMem_Malloc(sizeof(int32_t) * n);
    self->olink = PyMem_Malloc(sizeof(int32_t) * n);
    self->first = PyMem_Malloc(sizeof(int32_t) * n);
    self->trans = PyMem_Calloc((size_t)n * W, sizeof(uint32_t));
    self->hasout = PyMem_Malloc((size_t)n);
    if (!self->okey || !self->olink || !self->first || !self->trans || !self->hasout) {
        PyErr_NoMemory();
        goto done;
    }
    for (int32_t i = 0; i < n; i++) {
        int32_t old = queue[i];
        self->okey[i] = okey_[old];
        self->olink[i] = olink_[old] < 0 ? -1 : rank[olink_[old]];
        self->first[i] = okey_[old] >= 0 ? i : self->olink[i];
    }
    for (int32_t i = 0; i < n; i++) {
        int32_t old = queue[i];
        for (int c = 0; c < C; c++) {
            self->trans[i * W + c] = (uint32_t)rank[goto_[old * C + c]] << shift;
        }
        self->trans[i * W + C] = (uint32_t)i << shift;   /* the no-op class: stay */
        self->hasout[i] = self->first[i] >= 0;
    }
    self->shift = shift;
    self->n_states = n;
    rc = 0;
done:
    PyMem_Free(goto_);
    PyMem_Free(okey_);
    PyMem_Free(olink_);
    PyMem_Free(fail);
    PyMem_Free(queue);
    PyMem_Free(rank);
    return rc;
}

static int
Automaton_init(Automaton *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"keys", "info", "lut", "n_classes", "crosses_sentence_end", "web_addresses",
                             "match_type", NULL};
    PyObject *keys, *info, *crosses, *urls, *match_type;
    Py_buffer lut;
    int n_classes;
    if (self->ready || self->lut != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Automaton is already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!y*iOOO!", kwlist, &PyList_Type, &keys, &PyList_Type, &info,
                                     &lut, &n_classes, &crosses, &urls, &PyType_Type, &match_type)) {
        return -1;
    }
    int rc = -1;
    PyObject *zero = NULL;
    Py_ssize_t n_keys = PyList_GET_SIZE(keys);
    if (lut.len != LUT_SIZE) {
        PyErr_Format(PyExc_ValueError, "lut must have %d bytes", LUT_SIZE);
        goto done;
    }
    if (n_classes < 2 || n_classes > MAX_CLASSES) {
        PyErr_Format(PyExc_ValueError, "n_classes must be in 2..%d", MAX_CLASSES);
        goto done;
    }
    if (PyList_GET_SIZE(info) != n_keys || n_keys >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "keys and info must have the same length");
        goto done;
    }
    if (!PyCallable_Check(crosses) || !PyCallable_Check(urls)) {
        PyErr_SetString(PyExc_TypeError, "crosses_sentence_end and web_addresses must be callable");
        goto done;
    }
    const uint8_t *table = (const uint8_t *)lut.buf;
    for (Py_ssize_t i = 0; i < LUT_SIZE; i++) {
        if (table[i] >= n_classes && table[i] != CLS_FALLBACK && table[i] != CLS_DELETE) {
            PyErr_Format(PyExc_ValueError, "lut[%zd] = %d is not a class", i, (int)table[i]);
            goto done;
        }
    }
    PyTypeObject *type = (PyTypeObject *)match_type;
    Py_ssize_t s_start = slot_offset(type, "start");
    Py_ssize_t s_end = s_start < 0 ? -1 : slot_offset(type, "end");
    Py_ssize_t s_entry = s_end < 0 ? -1 : slot_offset(type, "entry");
    if (s_entry < 0) {
        goto done;
    }
    self->slot_start = s_start;
    self->slot_end = s_end;
    self->slot_entry = s_entry;
    self->n_classes = n_classes;
    self->n_keys = (int32_t)n_keys;
    self->lut = PyMem_Malloc(LUT_SIZE);
    self->klen = PyMem_Malloc(sizeof(int32_t) * (n_keys ? n_keys : 1));
    self->kflags = PyMem_Malloc(n_keys ? n_keys : 1);
    self->kentry = PyMem_Calloc(n_keys ? n_keys : 1, sizeof(PyObject *));
    if (!self->lut || !self->klen || !self->kflags || !self->kentry) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(self->lut, table, LUT_SIZE);
    zero = PyLong_FromLong(0);
    if (zero == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        PyObject *row = PyList_GET_ITEM(info, k);
        PyObject *entry;
        int prefix, multiword, ignored;
        if (!PyBytes_Check(key) || PyBytes_GET_SIZE(key) < 1 || PyBytes_GET_SIZE(key) > INT32_MAX / 2) {
            PyErr_Format(PyExc_ValueError, "key %zd must be non-empty bytes (classes)", k);
            goto done;
        }
        const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(key);
        for (Py_ssize_t i = 0; i < PyBytes_GET_SIZE(key); i++) {
            if (p[i] >= n_classes) {
                PyErr_Format(PyExc_ValueError, "key %zd holds class %d, not below n_classes", k, (int)p[i]);
                goto done;
            }
        }
        if (!PyTuple_Check(row) || !PyArg_ParseTuple(row, "O!ppp", &PyLong_Type, &entry, &prefix, &multiword, &ignored)) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_TypeError, "info[%zd] must be (entry, prefix, multiword, ignored)", k);
            }
            goto done;
        }
        self->klen[k] = (int32_t)PyBytes_GET_SIZE(key);
        if (self->klen[k] > self->max_key) {
            self->max_key = self->klen[k];
        }
        int negative = PyObject_RichCompareBool(entry, zero, Py_LT);
        if (negative < 0) {
            goto done;
        }
        if (!negative && self->klen[k] < (prefix ? 2 : 3)) {
            /* a term's key is a space, at least one character and (unless a prefix) a space: its span is never empty */
            PyErr_Format(PyExc_ValueError, "key %zd is too short for a padded term", k);
            goto done;
        }
        self->kflags[k] = (uint8_t)((prefix ? FLAG_PREFIX : 0) | (multiword ? FLAG_MULTIWORD : 0)
                                    | (ignored ? FLAG_IGNORED : 0) | (negative ? FLAG_URL : 0));
        Py_INCREF(entry);
        self->kentry[k] = entry;
    }
    self->s_http = PyUnicode_InternFromString("http");
    self->s_www = PyUnicode_InternFromString("www.");
    if (!self->s_http || !self->s_www) {
        goto done;
    }
    Py_INCREF(crosses);
    self->crosses = crosses;
    Py_INCREF(urls);
    self->urls = urls;
    Py_INCREF(match_type);
    self->match_type = match_type;
    rc = build_automaton(self, keys);
    self->ready = rc == 0;
done:
    Py_XDECREF(zero);
    PyBuffer_Release(&lut);
    return rc;
}

/* Does text[start:end) hold one of the characters of set (a NUL-terminated ASCII string)? */
static int
holds_any(int kind, const void *data, Py_ssize_t start, Py_ssize_t end, const char *set)
{
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < 128 && ch != 0 && strchr(set, (int)ch) != NULL) {
            return 1;
        }
    }
    return 0;
}

static int
span_cmp_longest(const void *a, const void *b)
{
    const Span *x = a, *y = b;
    int32_t lx = x->e - x->s, ly = y->e - y->s;
    if (lx != ly) return lx > ly ? -1 : 1;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

static int
span_cmp_start(const void *a, const void *b)
{
    const Span *x = a, *y = b;
    return x->s < y->s ? -1 : (x->s > y->s);
}

/* Sort by cmp: insertion sort for the few spans of a cluster-rich article (glibc's qsort allocates), qsort beyond. */
static void
sort_spans(Span *spans, Py_ssize_t n, int (*cmp)(const void *, const void *))
{
    if (n > 48) {
        qsort(spans, (size_t)n, sizeof(Span), cmp);
        return;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        Span x = spans[i];
        Py_ssize_t j = i;
        while (j > 0 && cmp(&spans[j - 1], &x) > 0) {
            spans[j] = spans[j - 1];
            j--;
        }
        spans[j] = x;
    }
}

/* The Match objects of the kept spans (stop phrases dropped), as a new list, or NULL with an exception. */
static PyObject *
make_matches(Automaton *self, const Span *spans, Py_ssize_t n)
{
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)self->match_type;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Span *sp = &spans[i];
        if (self->kflags[sp->key] & FLAG_IGNORED) {
            continue;
        }
        PyObject *obj = type->tp_alloc(type, 0);
        if (obj == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject *start = PyLong_FromLong(sp->ts);
        PyObject *end = start == NULL ? NULL : PyLong_FromLong(sp->te);
        if (end == NULL) {
            Py_XDECREF(start);
            Py_DECREF(obj);
            Py_DECREF(out);
            return NULL;
        }
        PyObject *entry = self->kentry[sp->key];
        Py_INCREF(entry);
        *(PyObject **)((char *)obj + self->slot_start) = start;
        *(PyObject **)((char *)obj + self->slot_end) = end;
        *(PyObject **)((char *)obj + self->slot_entry) = entry;
        int rc = PyList_Append(out, obj);
        Py_DECREF(obj);
        if (rc < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* Drop the spans whose text start lies inside a web address of the text; returns the new count or -1. */
static Py_ssize_t
drop_in_urls(Automaton *self, PyObject *text, Span *spans, Py_ssize_t n)
{
    PyObject *found = PyObject_CallOneArg(self->urls, text);
    if (found == NULL) {
        return -1;
    }
    PyObject *seq = PySequence_Fast(found, "web_addresses must return a sequence");
    Py_DECREF(found);
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t n_urls = PySequence_Fast_GET_SIZE(seq);
    Py_ssize_t *bounds = PyMem_Malloc(sizeof(Py_ssize_t) * 2 * (n_urls ? n_urls : 1));
    if (bounds == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t u = 0; u < n_urls; u++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, u);
        if (!PyTuple_Check(pair) || !PyArg_ParseTuple(pair, "nn", &bounds[2 * u], &bounds[2 * u + 1])) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "web_addresses must return (start, end) tuples");
            }
            PyMem_Free(bounds);
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* as outside_urls: the last address starting at or before the span's start, by bisection */
        Py_ssize_t lo = 0, hi = n_urls, t = spans[i].ts;
        while (lo < hi) {
            Py_ssize_t mid = (lo + hi) / 2;
            if (t < bounds[2 * mid]) hi = mid; else lo = mid + 1;
        }
        if (lo > 0 && t < bounds[2 * (lo - 1) + 1]) {
            continue;
        }
        spans[kept++] = spans[i];
    }
    PyMem_Free(bounds);
    return kept;
}

/* A growing list of hits (one per scan chain). */
typedef struct {
    Hit *p;
    Py_ssize_t n, cap;
} HitList;

static int
hits_grow(HitList *h)
{
    Py_ssize_t cap = h->cap ? h->cap * 2 : 64;
    Hit *p = PyMem_Realloc(h->p, sizeof(Hit) * (size_t)cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    h->p = p;
    h->cap = cap;
    return 0;
}

/* Every key ending at the state whose base is `base`, ending at copy position `end` (exclusive). */
static inline int
emit(const Automaton *self, HitList *h, uint32_t base, int32_t end)
{
    for (int32_t st = self->first[base >> self->shift]; st >= 0; st = self->olink[st]) {
        if (h->n == h->cap && hits_grow(h) < 0) {
            return -1;
        }
        h->p[h->n].key = self->okey[st];
        h->p[h->n].end = end;
        h->n++;
    }
    return 0;
}

/* Step 1, the fold: the copy's classes and offsets from the text (TYPE: its code units). Branch
   free but for the rare deleted or not-covered character: a space right after a space is written
   and not counted. Jumps to not_covered for a character the compiled path does not cover. */
#define FOLD(TYPE)                                                                           \
    do {                                                                                     \
        const TYPE *p_ = (const TYPE *)data;                                                 \
        for (Py_ssize_t i = 0; i < n; i++) {                                                 \
            uint8_t c = lut[p_[i]];                                                          \
            if (c >= CLS_FALLBACK) {                                                         \
                if (c == CLS_DELETE) continue;                                               \
                goto not_covered;                                                            \
            }                                                                                \
            int space_ = c == CLS_SPACE;                                                     \
            cls[m] = c;                                                                      \
            off[m] = (int32_t)i;                                                             \
            m += !(space_ & prev_space);                                                     \
            prev_space = space_;                                                             \
        }                                                                                    \
    } while (0)

#define CHAINS 4

/* Step 2, the scan of the copy's m classes, appending to hits[0] in the order of the ends.
   A long copy is cut into CHAINS pieces scanned in one interleaved loop, so the table lookups of
   the pieces overlap instead of each waiting for the previous one. Each piece but the first
   starts from the root max_key characters early without recording: after max_key characters the
   state is the one a scan from the start would be in (it depends only on the last max_key
   characters), so every piece records what the single scan would. Returns 0 or -1. */
static int
scan(const Automaton *self, const uint8_t *cls, int32_t m, HitList *hits)
{
    const uint32_t *trans = self->trans;
    const uint8_t *hasout = self->hasout;
    const int shift = self->shift;
    const int32_t warm = self->max_key;
    int k = m >= CHAINS * (warm + 256) ? CHAINS : 1;
    int32_t pos[CHAINS], from[CHAINS], hi[CHAINS];
    uint32_t base[CHAINS];
    for (int j = 0; j < k; j++) {
        int32_t lo = (int32_t)((int64_t)m * j / k);
        hi[j] = (int32_t)((int64_t)m * (j + 1) / k);
        pos[j] = j == 0 ? 0 : lo - warm;
        from[j] = lo;   /* record the hits ending after position `from` */
        base[j] = 0;
    }
    if (k == CHAINS) {
        /* the four chains in scalars (an array here goes through memory, which lengthens each
           chain by a store and a load) */
        int32_t steps = hi[0] - pos[0];
        for (int j = 1; j < k; j++) {
            if (hi[j] - pos[j] < steps) steps = hi[j] - pos[j];
        }
        const uint8_t *c0 = cls + pos[0], *c1 = cls + pos[1], *c2 = cls + pos[2], *c3 = cls + pos[3];
        uint32_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        for (int32_t t = 0; t < steps; t++) {
            b0 = trans[b0 + c0[t]];
            b1 = trans[b1 + c1[t]];
            b2 = trans[b2 + c2[t]];
            b3 = trans[b3 + c3[t]];
            if (hasout[b0 >> shift] | hasout[b1 >> shift] | hasout[b2 >> shift] | hasout[b3 >> shift]) {
                uint32_t bs[CHAINS] = {b0, b1, b2, b3};
                for (int j = 0; j < CHAINS; j++) {
                    int32_t end = pos[j] + t + 1;
                    if (hasout[bs[j] >> shift] && end > from[j] && emit(self, &hits[j], bs[j], end) < 0) {
                        return -1;
                    }
                }
            }
        }
        base[0] = b0;
        base[1] = b1;
        base[2] = b2;
        base[3] = b3;
        for (int j = 0; j < k; j++) {
            pos[j] += steps;
        }
    }
    for (int j = 0; j < k; j++) {
        for (; pos[j] < hi[j]; ) {
            base[j] = trans[base[j] + cls[pos[j]]];
            pos[j]++;
            if (hasout[base[j] >> shift] && pos[j] > from[j] && emit(self, &hits[j], base[j], pos[j]) < 0) {
                return -1;
            }
        }
    }
    for (int j = 1; j < k; j++) {   /* the pieces' hits, in order */
        while (hits[0].cap - hits[0].n < hits[j].n) {
            if (hits_grow(&hits[0]) < 0) {
                return -1;
            }
        }
        if (hits[j].n) {
            memcpy(hits[0].p + hits[0].n, hits[j].p, sizeof(Hit) * (size_t)hits[j].n);
        }
        hits[0].n += hits[j].n;
    }
    return 0;
}

/* find(text, resolve=True): see the module docstring. Returns a list of Match, or None when the
   text is not covered; with resolve=False, the number of key occurrences the scan found (or None). */
static PyObject *
automaton_run(Automaton *self, PyObject *text, int resolve)
{
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Automaton is not initialised");
        return NULL;
    }
    if (!PyUnicode_Check(text)) {
        Py_RETURN_NONE;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
#endif
    const int kind = PyUnicode_KIND(text);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (kind == PyUnicode_4BYTE_KIND || n > MAX_TEXT) {
        Py_RETURN_NONE;
    }
    const void *data = PyUnicode_DATA(text);
    const uint8_t *lut = self->lut;

    HitList chains[CHAINS] = {{NULL, 0, 0}};
    Span *spans = NULL;
    PyObject *result = NULL;
    /* the copy: its classes and, per position, the text index it came from (-1 and n for the padding) */
    char *block = PyMem_Malloc((size_t)(n + 2) * (sizeof(int32_t) + 1));
    if (block == NULL) {
        return PyErr_NoMemory();
    }
    int32_t *off = (int32_t *)block;
    uint8_t *cls = (uint8_t *)(off + n + 2);
    cls[0] = CLS_SPACE;   /* the start padding */
    off[0] = -1;
    int32_t m = 1;
    int prev_space = 1;   /* a leading run of spaces is dropped: the padding stands for it */
    if (kind == PyUnicode_1BYTE_KIND) {
        FOLD(Py_UCS1);
    }
    else {
        FOLD(Py_UCS2);
    }
    if (!prev_space || m == 1) {
        m++;   /* the end padding (a copy with no word is two spaces) */
    }
    cls[m - 1] = CLS_SPACE;   /* a trailing space is kept as the end padding */
    off[m - 1] = (int32_t)n;
    if (scan(self, cls, m, chains) < 0) {
        goto error;
    }
    Hit *hits = chains[0].p;
    Py_ssize_t n_hits = chains[0].n;
    if (!resolve) {
        result = PyLong_FromSsize_t(n_hits);
        goto done;
    }
    if (n_hits == 0) {
        result = PyList_New(0);
        goto done;
    }

    spans = PyMem_Malloc(sizeof(Span) * n_hits);
    if (spans == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    Py_ssize_t n_spans = 0;
    int32_t reach = 0;
    int overlap = 0, url = 0;
    for (Py_ssize_t h = 0; h < n_hits; h++) {
        int32_t k = hits[h].key, end = hits[h].end;
        uint8_t flags = self->kflags[k];
        if (flags & FLAG_URL) {
            url = 1;
            continue;
        }
        int32_t s = end - self->klen[k] + 1;   /* the first character after the padding space */
        int32_t e = end - 1;                   /* before the trailing padding space */
        if (flags & FLAG_PREFIX) {
            e = end;                           /* a prefix term runs to the end of its word */
            while (cls[e] != CLS_SPACE) e++;   /* cls[m - 1] is the end padding */
        }
        int32_t ts = off[s], te = off[e - 1] + 1;
        if (flags & FLAG_MULTIWORD) {
            if (te - ts != e - s) {
                /* the copy dropped characters inside the span: a sentence end may hide there */
                if (holds_any(kind, data, ts, te, ".!?\n")) {
                    PyObject *r = PyObject_CallFunction(self->crosses, "Oii", text, (int)ts, (int)te);
                    if (r == NULL) goto error;
                    int crosses = PyObject_IsTrue(r);
                    Py_DECREF(r);
                    if (crosses < 0) goto error;
                    if (crosses) continue;
                }
            }
            else if (holds_any(kind, data, ts, te, "\n")) {
                continue;   /* one character between words: only a line break ends a sentence there */
            }
        }
        if (s < reach) {
            overlap = 1;
        }
        else if (e > reach) {
            reach = e;
        }
        Span *sp = &spans[n_spans];
        sp->s = s;
        sp->e = e;
        sp->ts = ts;
        sp->te = te;
        sp->key = k;
        sp->order = (int32_t)n_spans;
        n_spans++;
    }
    if (url && n_spans > 0) {
        /* as outside_urls: only when the text itself holds "http" or "www." */
        url = PyUnicode_Contains(text, self->s_http);
        if (url == 0) url = PyUnicode_Contains(text, self->s_www);
        if (url < 0) goto error;
        if (url) {
            n_spans = drop_in_urls(self, text, spans, n_spans);
            if (n_spans < 0) goto error;
        }
    }
    if (overlap && n_spans > 1) {
        /* longest first, then earliest, then first found; a span sharing a copy position with a kept one is dropped */
        sort_spans(spans, n_spans, span_cmp_longest);
        memset(cls, 0, (size_t)m);   /* the classes are no longer needed: reuse them as the taken mask */
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < n_spans; i++) {
            Span *sp = &spans[i];
            int free_ = 1;
            for (int32_t j = sp->s; j < sp->e; j++) {
                if (cls[j]) { free_ = 0; break; }
            }
            if (!free_) continue;
            memset(cls + sp->s, 1, (size_t)(sp->e - sp->s));
            spans[kept++] = *sp;
        }
        n_spans = kept;
        sort_spans(spans, n_spans, span_cmp_start);
    }
    result = make_matches(self, spans, n_spans);
    goto done;

not_covered:
    result = Py_None;
    Py_INCREF(result);
    goto done;
error:
    result = NULL;
done:
    for (int j = 0; j < CHAINS; j++) {
        PyMem_Free(chains[j].p);
    }
    PyMem_Free(spans);
    PyMem_Free(block);
    return result;
}

static PyObject *
Automaton_find(Automaton *self, PyObject *text)
{
    return automaton_run(self, text, 1);
}

static PyObject *
Automaton_count(Automaton *self, PyObject *text)
{
    return automaton_run(self, text, 0);
}

static PyObject *
Automaton_reduce(Automaton *self, PyObject *Py_UNUSED(ignored))
{
    PyErr_SetString(PyExc_TypeError, "an Automaton does not pickle: rebuild it from its keys (LexiconMatcher does)");
    return NULL;
}

static PyObject *
Automaton_get_n_states(Automaton *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(self->n_states);
}

static PyObject *
Automaton_get_nbytes(Automaton *self, void *Py_UNUSED(closure))
{
    size_t per_state = ((size_t)1 << self->shift) * sizeof(uint32_t) + 3 * sizeof(int32_t) + 1;
    size_t per_key = sizeof(int32_t) + 1 + sizeof(PyObject *);
    return PyLong_FromSize_t((size_t)self->n_states * per_state + (size_t)self->n_keys * per_key + LUT_SIZE);
}

static PyMethodDef Automaton_methods[] = {
    {"find", (PyCFunction)Automaton_find, METH_O,
     "find(text) -> list of Match, sorted by start, or None when the text is not covered (a character\n"
     "outside the BMP, a lone surrogate, or more than 2**31 - 9 characters): the caller then runs the\n"
     "Python path. Raises what crosses_sentence_end or web_addresses raise, MemoryError."},
    {"count", (PyCFunction)Automaton_count, METH_O,
     "count(text) -> int or None: the fold and the scan only -- how many key occurrences (overlapping)\n"
     "the scan emits, nothing resolved (for benchmarks)."},
    {"__reduce__", (PyCFunction)Automaton_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Automaton_getset[] = {
    {"n_states", (getter)Automaton_get_n_states, NULL, "number of automaton states (trie nodes)", NULL},
    {"nbytes", (getter)Automaton_get_nbytes, NULL, "approximate memory held by the automaton, in bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject AutomatonType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pipelines._match.Automaton",
    .tp_doc = PyDoc_STR(
        "Automaton(keys, info, lut, n_classes, crosses_sentence_end, web_addresses, match_type)\n\n"
        "A compiled lexicon: keys (list of bytes, each a padded folded key as class numbers), info\n"
        "(list of (entry: int, prefix: bool, multiword: bool, ignored: bool), one per key), lut (65,536\n"
        "bytes: the class of each BMP code point, 254 = not covered, 255 = deleted), n_classes (2..254),\n"
        "the two Python helpers of the resolve, and the Match type (slots start, end, entry)."),
    .tp_basicsize = sizeof(Automaton),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Automaton_init,
    .tp_dealloc = (destructor)Automaton_dealloc,
    .tp_methods = Automaton_methods,
    .tp_getset = Automaton_getset,
};

/* fold_copy(text, table) -> (copy, kept) or None: the matching copy of pipelines.text.matching_copy
   for a text in the Basic Multilingual Plane with no character to delete, and the mask of the text
   characters the copy kept (a bytearray, one 0/1 byte a character; a trailing space it keeps is the
   copy's end padding). `table` holds 65,536 native uint16s (pipelines.text._table16: the fold of
   each code point, 32 for a space, 0 for a character to delete). A character is kept unless it and
   the one before it are both spaces; the copy is " " + the kept characters, plus " " unless they
   end in one. None (the caller takes the numpy path): a character outside the BMP or to delete, or a
   lone surrogate (which the numpy path rejects with UnicodeEncodeError). */
static PyObject *
fold_copy(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "fold_copy(text, table) takes two arguments");
        return NULL;
    }
    PyObject *text = args[0];
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "fold_copy: text must be a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    if (kind == PyUnicode_4BYTE_KIND) {
        Py_RETURN_NONE;
    }
    Py_buffer tb;
    if (PyObject_GetBuffer(args[1], &tb, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (tb.len != (Py_ssize_t)(LUT_SIZE * sizeof(uint16_t))) {
        PyBuffer_Release(&tb);
        PyErr_SetString(PyExc_ValueError, "fold_copy: table must hold 65536 uint16 values");
        return NULL;
    }
    const uint16_t *table = (const uint16_t *)tb.buf;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *kept_obj = PyByteArray_FromStringAndSize(NULL, n);
    uint16_t *buf = PyMem_Malloc(sizeof(uint16_t) * (size_t)(n + 2));
    if (kept_obj == NULL || buf == NULL) {
        Py_XDECREF(kept_obj);
        PyMem_Free(buf);
        PyBuffer_Release(&tb);
        return PyErr_NoMemory();
    }
    char *kept = PyByteArray_AS_STRING(kept_obj);
    Py_ssize_t m = 1;
    int prev_letter = 0;
    buf[0] = ' ';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = kind == PyUnicode_1BYTE_KIND ? ((const Py_UCS1 *)data)[i] : ((const Py_UCS2 *)data)[i];
        uint16_t f = table[ch];
        if (f == 0 || (ch >= 0xD800 && ch <= 0xDFFF)) {   /* to delete, or a lone surrogate: the numpy path */
            Py_DECREF(kept_obj);
            PyMem_Free(buf);
            PyBuffer_Release(&tb);
            Py_RETURN_NONE;
        }
        int letter = f != ' ';
        int keep = letter | prev_letter;
        kept[i] = (char)keep;
        buf[m] = f;
        m += keep;
        prev_letter = letter;
    }
    PyBuffer_Release(&tb);
    if (buf[m - 1] != ' ' || m == 1) {
        buf[m++] = ' ';
    }
    PyObject *copy = PyUnicode_FromKindAndData(PyUnicode_2BYTE_KIND, buf, m);
    PyMem_Free(buf);
    if (copy == NULL) {
        Py_DECREF(kept_obj);
        return NULL;
    }
    PyObject *out = PyTuple_Pack(2, copy, kept_obj);
    Py_DECREF(copy);
    Py_DECREF(kept_obj);
    return out;
}

/* ---- sentence_spans: pipelines.quotes.sentence_spans in one pass --------------------------------

   The boundary of quotes._BOUNDARY_FAST_RE, matched at each ".", "!", "?" and line break of the
   text that lies past the previous match (as finditer visits them), decided by hand: the pattern
   never backtracks (its character classes are disjoint), so one forward reading gives re's match.
   Character classes are re's for a str pattern: \w is Py_UNICODE_ISALNUM or "_", \d
   Py_UNICODE_ISDECIMAL, \s Py_UNICODE_ISSPACE (str.isspace, which strip uses too).

   A line break: the match runs over the white space after it (a paragraph break).
   ".", "!", "?": the closing run [.!?]*["”’»')\]]*, then one or more white-space characters other
   than a line break, then (not consumed) an optional opener ["“‘'«(\[] and a capital or digit
   [A-Z0-9À-ÖØ-Þ]. After "." the match is group 1 when the six characters before the period are
   word characters or the one before it is not a letter ([^\W\d_]), else group 2: a period after a
   possible abbreviation, which ends a sentence unless the word before it (back to a space, at most
   12 characters, opening marks stripped, lower case) is an abbreviation or a single letter and
   quotes._abbrev_continues says the text goes on. That test runs here for an ASCII word, and in
   Python (`period_ends(text, start, end)`) for any other. */

static inline int
uni_word(Py_UCS4 c)
{
    return c == '_' || Py_UNICODE_ISALNUM(c);
}

static inline int
uni_letterish(Py_UCS4 c)   /* [^\W\d_] */
{
    return c != '_' && Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

static inline int
is_closer(Py_UCS4 c)
{
    return c == '"' || c == 0x201D || c == 0x2019 || c == 0xBB || c == '\'' || c == ')' || c == ']';
}

static inline int
is_opener(Py_UCS4 c)
{
    return c == '"' || c == 0x201C || c == 0x2018 || c == '\'' || c == 0xAB || c == '(' || c == '[';
}

static inline int
is_title(Py_UCS4 c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xDE);
}

typedef struct {
    PyObject *text;
    int kind;
    const void *data;
    Py_ssize_t len;
    PyObject *abbrev, *can_end, *starters, *period_ends;
} SpanCtx;

/* Does the period at b (group 2, the match ending at after) end a sentence? 1, 0, or -1 on error. */
static int
period_ends(const SpanCtx *x, Py_ssize_t b, Py_ssize_t after)
{
    /* ws: after the last space in text[b-12:b], else 0 (str.rfind's -1 + 1: the word is then
       the whole text before the period) */
    Py_ssize_t lo = b > 12 ? b - 12 : 0, ws = 0;
    for (Py_ssize_t k = b - 1; k >= lo; k--) {
        if (PyUnicode_READ(x->kind, x->data, k) == ' ') {
            ws = k + 1;
            break;
        }
    }
    for (Py_ssize_t k = ws; k < b; k++) {
        if (PyUnicode_READ(x->kind, x->data, k) >= 128) {   /* not ASCII: Python decides */
            PyObject *r = PyObject_CallFunction(x->period_ends, "Onn", x->text, b, after);
            if (r == NULL) {
                return -1;
            }
            int t = PyObject_IsTrue(r);
            Py_DECREF(r);
            return t;
        }
    }
    Py_ssize_t a = ws;   /* opening marks stripped when the word does not start with a letter or digit */
    if (a < b) {
        Py_UCS4 c0 = PyUnicode_READ(x->kind, x->data, a);
        if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || (c0 >= '0' && c0 <= '9'))) {
            while (a < b) {
                Py_UCS4 c = PyUnicode_READ(x->kind, x->data, a);
                if (c != '(' && c != '"' && c != '\'') break;
                a++;
            }
        }
    }
    if (b - a > 12) {   /* longer than any abbreviation */
        return 1;
    }
    char word[13];
    Py_ssize_t n = 0;
    for (Py_ssize_t k = a; k < b && n < (Py_ssize_t)sizeof word; k++) {   /* b - a <= 12 */
        Py_UCS4 c = PyUnicode_READ(x->kind, x->data, k);
        word[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    const char *w = word;
    Py_ssize_t wn = n;
    int abbrev;
    if (wn == 1 && w[0] >= 'a' && w[0] <= 'z') {
        abbrev = 1;
    } else {
        PyObject *ws_obj = PyUnicode_FromStringAndSize(w, wn);
        if (ws_obj == NULL) {
            return -1;
        }
        abbrev = PySet_Contains(x->abbrev, ws_obj);
        if (abbrev > 0 && !(wn == 2 && w[0] == 'n' && w[1] == 'o')) {
            int can_end = PySet_Contains(x->can_end, ws_obj);
            Py_DECREF(ws_obj);
            if (can_end < 0) {
                return -1;
            }
            if (can_end) {   /* "the U.S. The": ends when the next word can only start a sentence */
                Py_ssize_t e = after;
                while (e < x->len) {
                    Py_UCS4 c = PyUnicode_READ(x->kind, x->data, e);
                    if (!(Py_UNICODE_ISALPHA(c) || c == 0x2019 || c == '\'')) {
                        break;
                    }
                    e++;
                }
                PyObject *next = PyUnicode_Substring(x->text, after, e);
                if (next == NULL) {
                    return -1;
                }
                int starts = PySet_Contains(x->starters, next);
                Py_DECREF(next);
                return starts;   /* -1, or whether the period ends the sentence */
            }
            return 0;
        }
        Py_DECREF(ws_obj);
        if (abbrev < 0) {
            return -1;
        }
    }
    if (!abbrev) {
        return 1;
    }
    if (wn == 2 && w[0] == 'n' && w[1] == 'o') {   /* "No. 5" goes on; "said no. The" ends */
        return !(after < x->len && Py_UNICODE_ISDIGIT(PyUnicode_READ(x->kind, x->data, after)));
    }
    return 0;   /* a single letter: an initial */
}

/* Append a new reference to a list and drop it; NULL (an error already set) gives -1. */
static int
append_new(PyObject *out, PyObject *item)
{
    if (item == NULL) {
        return -1;
    }
    int r = PyList_Append(out, item);
    Py_DECREF(item);
    return r;
}

static int
push_span(PyObject *out, Py_ssize_t a, Py_ssize_t b)
{
    return append_new(out, Py_BuildValue("(nn)", a, b));
}

/* sentence_spans(text, abbrev, can_end, starters, period_ends) -> list of (start, end) */
static PyObject *
sentence_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "sentence_spans(text, abbrev, can_end, starters, period_ends) takes 5 arguments");
        return NULL;
    }
    if (!PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "sentence_spans: text must be a str");
        return NULL;
    }
    for (int k = 1; k < 4; k++) {
        if (!PyAnySet_Check(args[k])) {
            PyErr_SetString(PyExc_TypeError, "sentence_spans: abbrev, can_end and starters must be sets");
            return NULL;
        }
    }
    if (PyUnicode_READY(args[0]) < 0) {
        return NULL;
    }
    SpanCtx x = {args[0], PyUnicode_KIND(args[0]), PyUnicode_DATA(args[0]), PyUnicode_GET_LENGTH(args[0]),
                 args[1], args[2], args[3], args[4]};
    const int kind = x.kind;
    const void *data = x.data;
    const Py_ssize_t len = x.len;
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t start = 0;
    while (start < len && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, start))) {
        start++;
    }
    Py_ssize_t p = 0;
    while (p < len) {
        Py_UCS4 c = PyUnicode_READ(kind, data, p);
        if (c != '.' && c != '!' && c != '?' && c != '\n') {
            p++;
            continue;
        }
        Py_ssize_t seg_end, m_end;
        if (c == '\n') {   /* a paragraph break */
            m_end = p + 1;
            while (m_end < len && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, m_end))) {
                m_end++;
            }
            seg_end = p;
            while (seg_end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, seg_end - 1))) {
                seg_end--;
            }
        } else {
            Py_ssize_t k = p + 1;   /* the closing run */
            while (k < len) {
                Py_UCS4 d = PyUnicode_READ(kind, data, k);
                if (d != '.' && d != '!' && d != '?') break;
                k++;
            }
            while (k < len && is_closer(PyUnicode_READ(kind, data, k))) {
                k++;
            }
            Py_ssize_t g_end = k;
            while (k < len) {
                Py_UCS4 d = PyUnicode_READ(kind, data, k);
                if (d == '\n' || !Py_UNICODE_ISSPACE(d)) break;
                k++;
            }
            int ok = k > g_end && k < len;
            if (ok) {
                Py_UCS4 d = PyUnicode_READ(kind, data, k);
                if (!is_title(d)) {
                    ok = is_opener(d) && k + 1 < len && is_title(PyUnicode_READ(kind, data, k + 1));
                }
            }
            if (!ok) {   /* no match here: the next candidate */
                p++;
                continue;
            }
            m_end = k;
            seg_end = g_end;
            if (c == '.') {
                int group1 = p == 0 || !uni_letterish(PyUnicode_READ(kind, data, p - 1));
                if (!group1 && p >= 6) {
                    group1 = 1;
                    for (Py_ssize_t q = p - 6; q < p; q++) {
                        if (!uni_word(PyUnicode_READ(kind, data, q))) {
                            group1 = 0;
                            break;
                        }
                    }
                }
                if (!group1) {
                    int ends = period_ends(&x, p, m_end);
                    if (ends < 0) {
                        Py_DECREF(out);
                        return NULL;
                    }
                    if (!ends) {   /* an abbreviation: no boundary; finditer goes on after the match */
                        p = m_end;
                        continue;
                    }
                }
            }
        }
        if (seg_end > start && push_span(out, start, seg_end) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        start = m_end;
        p = m_end > p ? m_end : p + 1;
    }
    Py_ssize_t seg_end = len;
    while (seg_end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, seg_end - 1))) {
        seg_end--;
    }
    if (seg_end > start && push_span(out, start, seg_end) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* ---- tokens: pipelines.quotes._tokens in one pass -----------------------------------------------

   The (start, end, token) of every quotes._TOK_RE match in text[a:b] (pos/endpos semantics), the
   window cut into its whitespace-separated chunks (str.split: Py_UNICODE_ISSPACE), as the Python
   function does: a chunk of letters and digits only (str.isalnum) is one token; a word with one
   trailing mark ("said,", "office.") or one leading mark ("“This", "(the") is two, unless the mark
   can join the word (’ ' - _) or the period may end an abbreviation of _TOK_RE (a word of
   `abbrev`, a capital initial, or a window that starts inside a word); every other chunk goes to
   `fallback(text, start, end)`, which returns _TOK_RE's tokens of text[start:end] as a list. */

static inline int
all_alnum(int kind, const void *data, Py_ssize_t s, Py_ssize_t e)
{
    if (s >= e) {
        return 0;
    }
    for (Py_ssize_t k = s; k < e; k++) {
        if (!Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, k))) {
            return 0;
        }
    }
    return 1;
}

static int
push_token(PyObject *out, PyObject *text, Py_ssize_t s, Py_ssize_t e)
{
    PyObject *tok = PyUnicode_Substring(text, s, e);
    return tok == NULL ? -1 : append_new(out, Py_BuildValue("(nnN)", s, e, tok));
}

/* tokens(text, a, b, abbrev, fallback) -> list of (start, end, token); a and b as in text[a:b] for 0 <= a */
static PyObject *
tokens(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "tokens(text, a, b, abbrev, fallback) takes 5 arguments");
        return NULL;
    }
    PyObject *text = args[0], *abbrev = args[3], *fallback = args[4];
    if (!PyUnicode_Check(text) || !PyAnySet_Check(abbrev)) {
        PyErr_SetString(PyExc_TypeError, "tokens: text must be a str and abbrev a set");
        return NULL;
    }
    Py_ssize_t a = PyLong_AsSsize_t(args[1]), b = PyLong_AsSsize_t(args[2]);
    if ((a == -1 || b == -1) && PyErr_Occurred()) {
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    /* text[a:b] as slicing reads it */
    if (a < 0) { a += len; if (a < 0) a = 0; }
    if (b < 0) { b += len; if (b < 0) b = 0; }
    if (a > len) a = len;
    if (b > len) b = len;
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t i = a;
    while (i < b) {
        while (i < b && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
            i++;
        }
        if (i >= b) {
            break;
        }
        Py_ssize_t s = i;
        while (i < b && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
            i++;
        }
        Py_ssize_t e = i;   /* the chunk text[s:e] */
        int done = 0;
        if (all_alnum(kind, data, s, e)) {
            if (push_token(out, text, s, e) < 0) goto fail;
            continue;
        }
        Py_UCS4 last = PyUnicode_READ(kind, data, e - 1);
        if (e - s >= 2 && all_alnum(kind, data, s, e - 1) && !Py_UNICODE_ISALNUM(last)
                && last != 0x2019 && last != '\'' && last != '-' && last != '_') {
            int split = 1;
            if (last == '.') {
                if (e - s - 1 == 1) {
                    Py_UCS4 h = PyUnicode_READ(kind, data, s);
                    if (h >= 'A' && h <= 'Z') split = 0;
                }
                if (split) {
                    PyObject *h = PyUnicode_Substring(text, s, e - 1);
                    if (h == NULL) goto fail;
                    int in = PySet_Contains(abbrev, h);
                    Py_DECREF(h);
                    if (in < 0) goto fail;
                    if (in) split = 0;
                }
                if (split && s == a && a > 0) {   /* a window that starts inside a word */
                    Py_UCS4 before = PyUnicode_READ(kind, data, a - 1);
                    if (before == '_' || Py_UNICODE_ISALNUM(before)) split = 0;
                }
            }
            if (split) {
                if (push_token(out, text, s, e - 1) < 0 || push_token(out, text, e - 1, e) < 0) goto fail;
                done = 1;
            }
        }
        if (!done) {
            Py_UCS4 first = PyUnicode_READ(kind, data, s);
            if (e - s >= 2 && all_alnum(kind, data, s + 1, e) && !Py_UNICODE_ISALNUM(first) && first != '_') {
                if (push_token(out, text, s, s + 1) < 0 || push_token(out, text, s + 1, e) < 0) goto fail;
            } else {
                PyObject *more = PyObject_CallFunction(fallback, "Onn", text, s, e);
                if (more == NULL) goto fail;
                Py_ssize_t n_out = PyList_GET_SIZE(out);
                int r = PyList_SetSlice(out, n_out, n_out, more);
                Py_DECREF(more);
                if (r < 0) goto fail;
            }
        }
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef match_functions[] = {
    {"fold_copy", (PyCFunction)(void (*)(void))fold_copy, METH_FASTCALL,
     "fold_copy(text, table) -> (copy, kept) or None: pipelines.text.matching_copy's copy and kept mask "
     "for a BMP text with no character to delete; None otherwise."},
    {"sentence_spans", (PyCFunction)(void (*)(void))sentence_spans, METH_FASTCALL,
     "sentence_spans(text, abbrev, can_end, starters, period_ends) -> list of (start, end): "
     "pipelines.quotes.sentence_spans in one C pass (see pipelines/_match.c)."},
    {"tokens", (PyCFunction)(void (*)(void))tokens, METH_FASTCALL,
     "tokens(text, a, b, abbrev, fallback) -> list of (start, end, token): pipelines.quotes._tokens "
     "in C, the chunks it cannot split by hand given to fallback(text, start, end)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef match_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pipelines._match",
    .m_doc = "Compiled lexicon matching for pipelines.lexicon.LexiconMatcher: fold, scan and resolve in one pass.\n\n"
             "For a text whose characters lie in the Basic Multilingual Plane: (1) fold each character through\n"
             "the matching copy's table (pipelines.text: lower case; letters, digits and marks kept; every other\n"
             "character a space; soft hyphens and zero-width characters deleted; space runs collapsed; one space\n"
             "of padding each side), keeping the offset of each copy position in the text; (2) scan it with a\n"
             "complete Aho-Corasick DFA of the padded keys (Aho & Corasick 1975, 'Efficient string matching: an\n"
             "aid to bibliographic search', CACM 18(6)); (3) resolve as LexiconMatcher's Python path does\n"
             "(sentence ends, web addresses, longest then earliest, stop phrases) into Match objects. Other\n"
             "texts: find returns None and the caller runs the Python path. Details: pipelines/_match.c.",
    .m_size = -1,
    .m_methods = match_functions,
};

PyMODINIT_FUNC
PyInit__match(void)
{
    if (PyType_Ready(&AutomatonType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&match_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&AutomatonType);
    if (PyModule_AddObject(module, "Automaton", (PyObject *)&AutomatonType) < 0) {
        Py_DECREF(&AutomatonType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

// Syntax check of TLA+ modules with the tree-sitter TLA+ grammar (no SANY, no TLC).
//
// Usage: node formal/tla-syntax.cjs FILE.tla...
// Exit codes: 0 every file parses; 1 a file has a syntax error (printed as
// file:line:column); 3 the parser is not installed or cannot run (the caller
// skips the check).
//
// The parser is NOT part of this repository. Install it anywhere, for example
//   npm install --prefix /tmp/tla-parser --ignore-scripts \
//       web-tree-sitter@0.25.10 @tlaplus/tree-sitter-tlaplus@1.5.0
// and point TLA_PARSER_DIR at that folder (the one holding node_modules/).
// --ignore-scripts skips the grammar's native Node binding: only its .wasm is used.
//
// What it catches: anything the grammar cannot parse (a missing THEN/ELSE, an
// unbalanced bracket, a stray operator, a bad EXCEPT, a broken module frame).
// What it does not: undefined names, arity and level errors, anything semantic.
// Those need SANY (tla2tools.jar).
'use strict';
const fs = require('fs');
const path = require('path');

function load(name) {
    const bases = [];
    if (process.env.TLA_PARSER_DIR) bases.push(path.resolve(process.env.TLA_PARSER_DIR));
    bases.push(process.cwd());
    for (const base of bases) {
        try {
            return require(require.resolve(name, { paths: [base] }));
        } catch (_) { /* next */ }
    }
    try {
        return require(name); // NODE_PATH or a global install
    } catch (_) {
        return null;
    }
}

function resolveWasm() {
    const rel = '@tlaplus/tree-sitter-tlaplus/tree-sitter-tlaplus.wasm';
    const bases = [];
    if (process.env.TLA_PARSER_DIR) bases.push(path.resolve(process.env.TLA_PARSER_DIR));
    bases.push(process.cwd());
    for (const base of bases) {
        try {
            return require.resolve(rel, { paths: [base] });
        } catch (_) { /* next */ }
    }
    try {
        return require.resolve(rel);
    } catch (_) {
        return null;
    }
}

async function main() {
    const files = process.argv.slice(2);
    const ts = load('web-tree-sitter');
    const wasm = resolveWasm();
    if (!ts || !ts.Parser || !ts.Language || !wasm) {
        console.log('tla-syntax: web-tree-sitter or @tlaplus/tree-sitter-tlaplus not found (set TLA_PARSER_DIR)');
        process.exit(3);
    }
    await ts.Parser.init();
    const language = await ts.Language.load(wasm);
    const parser = new ts.Parser();
    parser.setLanguage(language);

    let bad = 0;
    for (const file of files) {
        const src = fs.readFileSync(file, 'utf8');
        const tree = parser.parse(src);
        const errors = [];
        const walk = (node) => {
            if (node.isError || node.isMissing) {
                errors.push(node);
            } else if (node.hasError) {
                for (const child of node.children) walk(child);
            }
        };
        walk(tree.rootNode);
        const modules = tree.rootNode.children.filter((n) => n.type === 'module').length;
        if (errors.length === 0 && modules === 0) {
            console.log(`${file}: no MODULE found`);
            bad++;
            continue;
        }
        for (const e of errors.slice(0, 10)) {
            const at = `${file}:${e.startPosition.row + 1}:${e.startPosition.column + 1}`;
            const text = src.slice(e.startIndex, Math.min(e.endIndex, e.startIndex + 60)).replace(/\s+/g, ' ');
            console.log(`${at}: ${e.isMissing ? `missing ${e.type}` : 'syntax error'} near "${text}"`);
        }
        if (errors.length > 0) bad++;
    }
    process.exit(bad > 0 ? 1 : 0);
}

// A parser that is present but cannot start (an incompatible version, a broken
// install) counts as absent: the check is optional and must never fail CI for that.
main().catch((err) => {
    console.log(`tla-syntax: the parser could not run: ${err && err.message ? err.message : err}`);
    process.exit(3);
});

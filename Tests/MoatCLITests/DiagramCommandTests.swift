import Foundation
import TestSupport
import Testing

private let shop = packageRoot.appendingPathComponent("Samples/online-shop.moat").path
private let small = packageRoot.appendingPathComponent("Samples/moat.moat").path

/// `moat diagram` and `moat report` as processes: output targets, layout options, slides, limits.
@Suite("moat diagram and report")
struct DiagramCommandTests {
    // MARK: - -o goes through the common output path (OutputFile)

    @Test("-o /dev/null writes nothing anywhere and succeeds; the device stays a device")
    func devNull() throws {
        let run = try moat(["diagram", small, "-o", "/dev/null", "--format", "svg", "--as-of", "2026-11-29"])
        #expect(run.status == 0, "\(run.stderr)")
        var status = stat()
        #expect(lstat("/dev/null", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test("-o /dev/stdout and -o - write the picture to standard output")
    func standardOutput() throws {
        let viaDevice = try moat(["diagram", small, "-o", "/dev/stdout", "--format", "dot", "--as-of", "2026-11-29"])
        #expect(viaDevice.status == 0, "\(viaDevice.stderr)")
        #expect(viaDevice.stdout.hasPrefix("digraph moat {"))
        let viaDash = try moat(["diagram", small, "-o", "-", "--format", "svg", "--as-of", "2026-11-29"])
        #expect(viaDash.status == 0, "\(viaDash.stderr)")
        #expect(viaDash.stdout.contains("<svg"))
        #expect(!viaDash.stdout.contains("wrote "), "only the picture goes to standard output")
    }

    @Test("a picture too small to read on a 1920×1080 screen says so and points at --slides; a legible one does not")
    func legibilityNote() throws {
        let banking = packageRoot.appendingPathComponent("Samples/mobile-banking.moat").path
        let dense = try moat(["diagram", banking, "-o", "/dev/null", "--format", "svg", "--as-of", "2026-11-29"])
        #expect(dense.status == 0, "\(dense.stderr)")
        #expect(dense.stderr.hasPrefix("moat: note: fitted to a 1920×1080 screen, this picture's element names "), "\(dense.stderr)")
        #expect(dense.stderr.contains("below the legible 12 and 10 px; --slides writes one legible picture per trust zone\n"))
        let zone = try moat(["diagram", banking, "--boundary", "partners", "-o", "/dev/null", "--format", "svg", "--as-of", "2026-11-29"])
        #expect(zone.status == 0, "\(zone.stderr)")
        #expect(!zone.stderr.contains("moat: note"), "\(zone.stderr)")
    }

    @Test("-o through a symbolic link writes the link's target and keeps the link")
    func symlink() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("target.svg", "old")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.svg").path, withDestinationPath: "target.svg")
        let run = try moat(["diagram", small, "-o", "link.svg", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("link.svg").path) == "target.svg")
        #expect(try dir.read("target.svg").contains("<svg"))
    }

    @Test("-o onto a 0600 file keeps its mode; nothing is left beside it")
    func modeKept() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let out = try dir.write("private.png", "old")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: out)
        let run = try moat(["diagram", small, "-o", "private.png", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect((try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int) == 0o600)
        let png = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["private.png"])
    }

    @Test(.timeLimit(.minutes(1))) func fifoIsWrittenInPlace() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.file("pipe").path
        #expect(mkfifo(path, 0o600) == 0)
        nonisolated(unsafe) var received = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if let handle = FileHandle(forReadingAtPath: path) { received = handle.readDataToEndOfFile() }
            done.signal()
        }
        let run = try moat(["diagram", small, "-o", "pipe", "--format", "dot", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        done.wait()
        #expect(String(decoding: received, as: UTF8.self).hasPrefix("digraph moat {"))
        var status = stat()
        #expect(lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO, "still a pipe")
    }

    @Test("a folder that does not exist is an error with exit 2")
    func missingFolder() throws {
        let run = try moat(["diagram", small, "-o", "/nonexistent-moat-dir/x.svg", "--as-of", "2026-11-29"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("moat: error: cannot write '/nonexistent-moat-dir/x.svg'"), "\(run.stderr)")
    }

    // MARK: - Layout options

    @Test("layout options reach the DOT: direction, labels, hidden out-of-scope elements, same-rank hints, spacing")
    func layoutOptions() throws {
        func dot(_ extra: [String]) throws -> String {
            let run = try moat(["diagram", shop, "-o", "-", "--format", "dot", "--as-of", "2026-11-29"] + extra)
            #expect(run.status == 0, "\(extra): \(run.stderr)")
            return run.stdout
        }
        #expect(try dot(["--direction", "TB"]).contains("rankdir=\"TB\""))
        #expect(try dot(["--direction", "lr"]).contains("rankdir=\"LR\""))
        let numbered = try dot(["--edge-labels", "numbered"])
        #expect(numbered.contains("shape=\"circle\""))
        let none = try dot(["--edge-labels", "none"])
        #expect(!none.contains("class=\"flow-label\""))
        let all = try dot([]), hidden = try dot(["--hide-out-of-scope"])
        #expect(all.contains("out of scope") && !hidden.contains("out of scope · ") && !hidden.contains("· out of scope<"))
        let ranked = try dot(["--rank-same", "storefront,checkout"])
        #expect(ranked.contains("{ rank=same; "))
        #expect(try dot(["--node-spacing", "0.9", "--edge-labels", "full", "--direction", "LR"]).contains("nodesep=\"0.90\""))
        let unknown = try moat(["diagram", shop, "-o", "-", "--format", "dot", "--rank-same", "storefront,chekout"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("moat: error: --rank-same: unknown element 'chekout'; did you mean 'checkout'?"), "\(unknown.stderr)")
        #expect(try moat(["diagram", shop, "-o", "x.svg", "--direction", "up"]).status == 2)
        #expect(try moat(["diagram", shop, "-o", "x.svg", "--layout", "sfdp"]).status == 2, "sfdp drops boundaries: not offered")
    }

    @Test("the help says what each layout control does")
    func help() throws {
        let run = try moat(["diagram", "--help"])
        for option in ["--direction", "--edge-labels", "--hide-out-of-scope", "--rank-same", "--node-spacing", "--rank-spacing",
                       "--layout", "--slides", "--paths", "--path-count"] {
            #expect(run.stdout.contains(option), "\(option)")
        }
        #expect(run.stdout.contains("fdp"))
        #expect(run.stdout.contains("L2"), "the badges are explained")
    }

    @Test("fdp keeps every trust boundary")
    func fdpKeepsBoundaries() throws {
        let run = try moat(["diagram", shop, "-o", "-", "--format", "svg", "--layout", "fdp", "--as-of", "2026-11-29"])
        #expect(run.status == 0, "\(run.stderr)")
        let clusters = run.stdout.components(separatedBy: "class=\"cluster\"").count - 1
        #expect(clusters >= 6, "\(clusters) clusters drawn")
    }

    // MARK: - Slides, paths, reports

    @Test("--slides writes an overview and one picture per trust zone")
    func slides() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["diagram", shop, "--slides", "-o", "shop.png", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        #expect(files.first == "shop-01-overview.png")
        #expect(files.count >= 4, "\(files)")
        #expect(files.allSatisfy { $0.hasPrefix("shop-") && $0.hasSuffix(".png") })
    }

    @Test("--slides with a PDF name writes a PDF per slide")
    func slidesPDF() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["diagram", shop, "--slides", "-o", "shop.pdf", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        #expect(files.count >= 4 && files.first == "shop-01-overview.pdf", "\(files)")
        for name in files {
            let pdf = try Data(contentsOf: dir.url.appendingPathComponent(name))
            #expect(String(decoding: pdf.prefix(5), as: UTF8.self) == "%PDF-", "\(name)")
        }
    }

    @Test("analyze lists the top attack paths hop by hop (table and Markdown)")
    func analyzePaths() throws {
        let table = try moat(["analyze", shop, "--as-of", "2026-11-29"])
        #expect(table.stdout.contains("Attack paths ("))
        #expect(table.stdout.contains("weakest: "))
        let md = try moat(["analyze", shop, "--format", "markdown", "--as-of", "2026-11-29"])
        #expect(md.stdout.contains("## Attack paths"))
    }

    @Test("report -o review.md writes the diagram SVG beside it and embeds it, with the data-asset table")
    func markdownReport() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["report", shop, "-o", "review.md", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        let md = try dir.read("review.md")
        #expect(md.contains("![Annotated data-flow diagram](review.svg)"))
        #expect(md.contains("## Data assets"))
        #expect(try dir.read("review.svg").contains("<svg"))
    }

    @Test("a picture over Graphviz's limit is refused before layout: exit 3, a clear message, and the overview written instead")
    func tooLarge() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var text = "model \"Chain\"\nboundary z \"Zone\" {\n"
        for i in 0..<7_000 { text += "  process p\(i)\n" }
        text += "}\n"
        for i in 0..<6_999 { text += "p\(i) -> p\(i + 1)\n" }
        try dir.write("chain.moat", text)
        let run = try runBuilt("moat", ["diagram", "chain.moat", "--full", "-o", "chain.svg", "--as-of", "2026-11-29"], in: dir.url,
                               timeLimit: 120)
        #expect(!run.crashed)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("moat: error: the picture has 7000 elements and 6999 flows, more than Graphviz can lay out"), "\(run.stderr)")
        #expect(try dir.read("chain.svg").contains("<svg"), "the overview was written")
    }
}

/// Runs a program to the end and returns its standard output.
private func output(_ program: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}

@Suite("The review pack printed")
struct ReviewPrintTests {
    @Test("prints on A4 and Letter in at most one page per three components plus the diagram page, the diagram on its page",
          arguments: ["online-shop", "mobile-banking", "moat"])
    func printsCompactly(_ name: String) async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let model = packageRoot.appendingPathComponent("Samples/\(name).moat").path
        let run = try moat(["report", model, "-o", "review.html", "--as-of", "2026-11-29"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        let html = try dir.read("review.html")
        let components = html.components(separatedBy: "<article class=\"component\"").count - 1
        for paper in ["A4", "letter"] {
            let variant = "review-\(paper).html"
            try dir.write(variant, html.replacingOccurrences(of: "@page{size:landscape;", with: "@page{size:\(paper) landscape;"))
            let pdf = dir.file("review-\(paper).pdf")
            _ = try await headlessChromium(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", dir.file(variant).absoluteString],
                                           profile: dir.file("profile"))
            let info = String(decoding: try output("/usr/bin/pdfinfo", [pdf.path]), as: UTF8.self)
            let pages = try #require(info.split(separator: "\n").first { $0.hasPrefix("Pages:") }
                .flatMap { Int($0.split(separator: " ").last ?? "") })
            let allowed = (components + 2) / 3 + 1
            print("\(name) on \(paper): \(pages) pages for \(components) components (at most \(allowed))")
            #expect(pages <= allowed, "\(name) on \(paper): \(pages) pages for \(components) components")
            // Page 2 is the diagram: a grey picture of it has ink, not a blank page.
            let pgm = try output("/usr/bin/pdftoppm", ["-gray", "-r", "30", "-f", "2", "-l", "2", pdf.path])
            let bytes = [UInt8](pgm)
            var newlines = 0, start = 0
            for (i, b) in bytes.enumerated() where b == 0x0A { newlines += 1; if newlines == 3 { start = i + 1; break } }
            let pixels = bytes[start...]
            let ink = pixels.filter { $0 < 200 }.count
            #expect(pixels.count > 1000 && Double(ink) / Double(pixels.count) > 0.02, "\(name) on \(paper): page 2 is nearly blank")
        }
    }
}

@Suite("Progress while Graphviz lays out")
struct DiagramProgressTests {
    @Test("a long render prints progress to standard error when it is a terminal, and never otherwise")
    func progress() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let binary = try #require(BuiltBinary.url("moat"))
        // Without a terminal: nothing but the result, even with no delay.
        let plain = try runBuilt("moat", ["diagram", small, "-o", "a.svg", "--as-of", "2026-11-29"], in: dir.url,
                                 environment: ["MOAT_PROGRESS_AFTER_MS": "0"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("laying out"))
        // In a terminal (script(1) gives the command a pseudo-terminal): the progress line.
        let command = "MOAT_PROGRESS_AFTER_MS=0 '\(binary.path)' diagram '\(small)' -o b.svg --as-of 2026-11-29"
        let tty = try runProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], in: dir.url)
        #expect(tty.status == 0, "\(tty.stdout)")
        #expect(tty.stdout.contains("moat: laying out"), "\(tty.stdout)")
    }
}

@Suite("Byte-deterministic pictures")
struct DeterministicOutputTests {
    @Test("report HTML and diagram PDF: runs give the same bytes; a PDF carries SOURCE_DATE_EPOCH")
    func sameBytes() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var pages: Set<String> = []
        for i in 0..<4 {
            let run = try moat(["report", shop, "-o", "r\(i).html", "--as-of", "2026-11-29"], in: dir.url)
            #expect(run.status == 0, "\(run.stderr)")
            pages.insert(try dir.read("r\(i).html"))
        }
        #expect(pages.count == 1, "the review pack differed between runs")
        for i in 0..<2 {
            let run = try runBuilt("moat", ["diagram", small, "-o", "d\(i).pdf", "--as-of", "2026-11-29"], in: dir.url,
                                   environment: ["SOURCE_DATE_EPOCH": "1700000000"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let a = try Data(contentsOf: dir.file("d0.pdf")), b = try Data(contentsOf: dir.file("d1.pdf"))
        #expect(a == b, "two PDFs differ")
        #expect(String(decoding: a, as: UTF8.self).contains("/CreationDate (D:20231114221320Z)"))
    }
}

import MoatInterop

/// Lets every command read Threagile, Threat Dragon and OTM files directly (called once by `Moat.main`).
public func installInteropReaders() {
    Interop.installDocumentReader()
}

import KontextCore
import KontextCrypto
import KontextStore

/// `type: directory`: mirrors each stored image to `<path>/<key>` with its JSON sidecar at
/// `<path>/<key>.json`, both written whole-or-nothing (`DurableFile`: temporary file, fsync,
/// rename, fsync of the directory). A file already there with the same SHA-256 is success, so a
/// repeated delivery rewrites nothing; the sidecar is written after the image, so a sidecar
/// always means its image is complete.
struct DirectorySink: DownstreamSink {
    let name: String
    let settings: DirectorySinkSettings
    let work: BlockingFileWork

    /// Where interrupted writes leave their temporary files: inside the root, so renames stay on one file system.
    var temporaryDirectory: String { settings.path + "/.kontextd-tmp" }

    /// Creates the root and temporary directories and removes temporary files a crash left.
    init(name: String, settings: DirectorySinkSettings, work: BlockingFileWork) throws(ImageFileError) {
        var settings = settings
        while settings.path.count > 1 && settings.path.hasSuffix("/") { settings.path.removeLast() }
        self.name = name
        self.settings = settings
        self.work = work
        try DurableFile.makeDirectories(settings.path, below: "")
        try DurableFile.makeDirectory(temporaryDirectory)
        _ = try DurableFile.removeFiles(in: temporaryDirectory)
    }

    /// The absolute path an image goes to.
    func target(for image: ImageToSync) -> String {
        settings.target(for: image.keyValues)
    }

    func deliver(_ delivery: SinkDelivery) async throws(SinkFailure) {
        guard let image = delivery.image else { return }
        let target = target(for: image)
        let root = settings.path
        let temporary = temporaryDirectory
        do {
            try await work.run {
                try Self.place(image: image, at: target, root: root, temporaryDirectory: temporary)
            }
        } catch let error as SinkFailure {
            throw error
        } catch {
            throw .retry("writing \(target): \(error)")
        }
    }

    private static func place(image: ImageToSync, at target: String, root: String, temporaryDirectory: String) throws {
        // An unreadable existing file is simply replaced.
        let existing = DurableFile.exists(target) ? (try? DurableFile.read(path: target)).map(SHA256Digest.hexHash) : nil
        if existing != image.sha256 {
            let bytes: [UInt8]
            do {
                bytes = try DurableFile.read(path: image.localPath)
            } catch {
                throw SinkFailure.permanent("the local image \(image.localPath) cannot be read: \(error)")
            }
            // The local file is verified at ingestion; a mismatch now means it changed on disk.
            guard SHA256Digest.hexHash(bytes) == image.sha256 else {
                throw SinkFailure.permanent("the local image \(image.localPath) no longer hashes to \(image.sha256)")
            }
            try DurableFile.write(bytes, to: target, temporaryDirectory: temporaryDirectory, below: root)
        }
        let sidecar = target + ".json"
        if !(DurableFile.exists(sidecar) && (try? DurableFile.read(path: sidecar)) == image.sidecar) {
            try DurableFile.write(image.sidecar, to: sidecar, temporaryDirectory: temporaryDirectory, below: root)
        }
    }
}

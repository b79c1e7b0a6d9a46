import Foundation

/// A state dict on disk in either format a checkpoint comes in: safetensors, or a PyTorch
/// `.pth`/`.pt` written by `torch.save` (`TorchCheckpoint`). Told apart by the zip signature
/// at the start of the file, not by its name.
public enum StateDictFile {
    /// The file's tensors by state-dict key, with their stored dtypes.
    public static func readEntries(_ url: URL) throws -> [String: SafeTensors.Entry] {
        var head = Data()
        if let handle = try? FileHandle(forReadingFrom: url) {
            head = (try? handle.read(upToCount: 4)) ?? Data()
            try? handle.close()
        }
        return head.elementsEqual([0x50, 0x4B, 0x03, 0x04]) ? try TorchCheckpoint.readEntries(url) : try SafeTensors.readEntries(url)
    }
}

import XCTest
import Foundation
import Imaging
@testable import Screen

/// Multi-page TIFF and OME-TIFF images named by a manifest: pages chosen by number or by OME
/// channel name read exactly the single-page images they were written from, and a multi-page
/// file named without a page is refused, at `validate` and at read, never read as page 0.
final class MultiPageImageTests: XCTestCase {
    let channels = ["DNA", "Tubulin", "Actin"]
    var dir: URL!

    /// One distinct 16-bit image per channel.
    func plane(_ c: Int) -> Image<UInt16> {
        Image(width: 9, height: 7, pixels: (0..<63).map { UInt16(($0 * 37 + c * 1000 + 11) % 65_536) })
    }

    /// OME-XML as tifffile writes it for a (C, Y, X) stack; `tiffData` maps planes to pages.
    func omeXML(names: [String], tiffData: String) -> String {
        let ch = names.enumerated().map { "<Channel ID=\"Channel:0:\($0.offset)\" Name=\"\($0.element)\" SamplesPerPixel=\"1\"/>" }.joined()
        return """
        <?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0" Name="plate1"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="9" SizeY="7" SizeC="\(names.count)" SizeZ="1" SizeT="1">\(ch)\(tiffData)</Pixels></Image></OME>
        """
    }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("multipage-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (c, name) in channels.enumerated() { try TIFFWriter.write(plane(c), to: dir.appendingPathComponent("\(name).tif")) }
        let stack = channels.indices.map(plane)
        try TIFFWriter.write(stack, to: dir.appendingPathComponent("plate1.ome.tif"),
                             options: .init(compression: .lzw, imageDescription: omeXML(names: channels, tiffData: "<TiffData IFD=\"0\" PlaneCount=\"3\"/>")))
        // Pages stored in reverse channel order, mapped by explicit TiffData elements.
        let mapped = (0..<3).map { "<TiffData IFD=\"\(2 - $0)\" FirstC=\"\($0)\" FirstZ=\"0\" FirstT=\"0\" PlaneCount=\"1\"/>" }.joined()
        try TIFFWriter.write(Array(stack.reversed()), to: dir.appendingPathComponent("reversed.ome.tif"),
                             options: .init(tileSize: 16, imageDescription: omeXML(names: channels, tiffData: mapped)))
        try TIFFWriter.write(stack, to: dir.appendingPathComponent("plain.tif"), options: .init(compression: .deflate))
    }

    func manifest(_ cells: [String]) throws -> Manifest {
        let header = Manifest.metadataColumns.joined(separator: ",") + "," + channels.map { "Image_\($0)" }.joined(separator: ",")
        let text = header + "\nP1,B03,1,W1,DMSO,0,," + cells.joined(separator: ",") + "\n"
        return try Manifest(table: CSVTable(parsing: text, source: "m.csv"), baseDirectory: dir)
    }

    func assertChannelExact(_ m: Manifest, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(m.validate(), [], file: file, line: line)
        for ch in channels {
            let fromStack = try TIFFReader.readUInt16(XCTUnwrap(m.imageURL(m.rows[0], channel: ch)))
            let single = try TIFFReader.readUInt16(dir.appendingPathComponent("\(ch).tif"))
            XCTAssertEqual(fromStack, single, "channel \(ch)", file: file, line: line)
        }
    }

    func testPagesByNumberAndByOMEChannelNameAreChannelExact() throws {
        try assertChannelExact(manifest(["plate1.ome.tif#0", "plate1.ome.tif#1", "plate1.ome.tif#2"]))
        try assertChannelExact(manifest(["plate1.ome.tif#DNA", "plate1.ome.tif#Tubulin", "plate1.ome.tif#Actin"]))
        try assertChannelExact(manifest(["reversed.ome.tif#DNA", "reversed.ome.tif#Tubulin", "reversed.ome.tif#Actin"]))
        try assertChannelExact(manifest(["plain.tif#0", "plain.tif#1", "plain.tif#2"]))
        XCTAssertEqual(try TIFFReader.pageCount(dir.appendingPathComponent("plate1.ome.tif")), 3)
    }

    func testMultiPageWithoutSelectorIsRefusedAtCheckAndAtRead() throws {
        let m = try manifest(["plate1.ome.tif", "plate1.ome.tif", "plate1.ome.tif"])
        let path = dir.appendingPathComponent("plate1.ome.tif").path
        let expected = "\(path): 3 pages (OME channels: DNA, Tubulin, Actin); name one as FILE#PAGE (0-based) or FILE#<OME channel name>"
        XCTAssertEqual(m.validate().map(\.message), [expected, expected, expected])
        XCTAssertThrowsError(try TIFFReader.readUInt16(XCTUnwrap(m.imageURL(m.rows[0], channel: "Actin")))) { e in
            XCTAssertEqual("\(e)", expected)
        }
        let plain = try manifest(["plain.tif", "DNA.tif", "DNA.tif"]).validate().map(\.message)
        XCTAssertEqual(plain, ["\(dir.appendingPathComponent("plain.tif").path): 3 pages; name one as FILE#PAGE (0-based) or FILE#<OME channel name>"])
    }

    func testBadSelectorsNameTheFileAndWhatExists() throws {
        let ome = dir.appendingPathComponent("plate1.ome.tif").path, plain = dir.appendingPathComponent("plain.tif").path
        let issues = try manifest(["plate1.ome.tif#3", "plate1.ome.tif#Mito", "plain.tif#DNA"]).validate().map(\.description)
        XCTAssertEqual(issues, [
            "line 2: Image_DNA: \(ome): page 3 does not exist (the file has 3 pages, 0 to 2)",
            "line 2: Image_Tubulin: \(ome): no OME channel named 'Mito' (channels: 'DNA', 'Tubulin', 'Actin')",
            "line 2: Image_Actin: \(plain): #DNA names an OME channel, but the file has no OME-XML; select a page by number",
        ])
    }

    func testFoldersThatAreNoOMEZarrImageAreNamedAtCheck() throws {
        let zarr = dir.appendingPathComponent("plate.ome.zarr/A/1/0")
        try FileManager.default.createDirectory(at: zarr, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: zarr.appendingPathComponent(".zattrs"))
        let store = dir.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: store.appendingPathComponent("zarr.json"))
        let issues = try manifest(["plate.ome.zarr/A/1/0#DNA", "store", "DNA.tif"]).validate().map(\.message)
        XCTAssertEqual(issues, [
            "\(zarr.path)/.zattrs: no multiscales; expected an OME-Zarr image",
            "\(store.path)/zarr.json: zarr_format: missing; expected a zarr v3 group (zarr.json)",
        ])
    }

    func testImageURLCarriesTheSelector() throws {
        let m = try manifest(["plate1.ome.tif#DNA", "plate1.ome.tif#1", "DNA.tif"])
        let url = try XCTUnwrap(m.imageURL(m.rows[0], channel: "DNA"))
        XCTAssertEqual(url.path, dir.appendingPathComponent("plate1.ome.tif").standardizedFileURL.path)
        XCTAssertEqual(TIFFPage.selected(by: url), .channel("DNA"))
        XCTAssertEqual(TIFFPage.selected(by: m.imageURL(m.rows[0], channel: "Tubulin")!), .index(1))
        XCTAssertNil(TIFFPage.selected(by: m.imageURL(m.rows[0], channel: "Actin")!))
    }
}

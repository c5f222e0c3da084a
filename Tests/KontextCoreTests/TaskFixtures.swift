import Foundation
import KontextCore

/// Task objects and image strings shared by the validation tests.
enum TaskFixtures {
    static let taskUUID = "da3533af-ea2f-48e3-ae3d-7cb4b1918a28"
    static let imageURL = "https://assets.runware.ai/assets/inputs/d63ac405-965e-4874-81fc-ead3474ddd46.jpg"

    /// Base64 of the 8-byte PNG signature: the smallest thing that passes the image check.
    static let pngBase64 = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).base64EncodedString()
    static let jpegBase64 = Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46]).base64EncodedString()
    static let webpBase64 = Data(Array("RIFF".utf8) + [36, 0, 0, 0] + Array("WEBPVP8 ".utf8)).base64EncodedString()
    static let textBase64 = Data("hello world!".utf8).base64EncodedString()

    /// A minimal valid task as Runware receives it.
    static let runwareBase: [String: JSONValue] = [
        "taskType": .string("imageInference"),
        "taskUUID": .string(taskUUID),
        "model": .string("runware:106@1"),
        "positivePrompt": .string("Turn the photo into a watercolour painting"),
        "inputs": .object(["referenceImages": .array([.string(imageURL)])]),
    ]

    /// The same task as a kontextd client sends it (no taskType, no taskUUID).
    static var clientBase: [String: JSONValue] {
        var members = runwareBase
        members["taskType"] = nil
        members["taskUUID"] = nil
        return members
    }

    /// The base task for an origin with `patch` (a JSON object text) merged over it and `remove` deleted.
    static func task(origin: TaskOrigin, patch: String, remove: [String] = []) -> JSONValue {
        var members = origin == .runware ? runwareBase : clientBase
        let patchValue = try! JSONCoding.parse(patch)
        for (key, value) in patchValue.objectValue! { members[key] = value }
        for key in remove { members[key] = nil }
        return .object(members)
    }

    /// The four example requests of the reference, verbatim (top-level referenceImages).
    static let referenceExamples: [String] = [
        #"""
        {"taskType": "imageInference", "taskUUID": "da3533af-ea2f-48e3-ae3d-7cb4b1918a28",
         "referenceImages": ["https://assets.runware.ai/assets/inputs/d63ac405-965e-4874-81fc-ead3474ddd46.jpg"],
         "model": "runware:106@1",
         "positivePrompt": "Transform the reference image into an imaginative glasshouse botanist workspace, keeping the same bench layout and camera angle but replacing the plain surroundings with towering curved greenhouse panes, climbing vines, suspended air plants, rare striped begonias, luminous amber glass vessels, hand-labeled specimen drawers, scattered seed packets, pressed petals inside the notebook, delicate soil textures, warm morning haze, intricate natural details, cinematic realism, elegant color harmony, highly detailed",
         "width": 1248, "height": 832, "seed": 17513, "steps": 28, "scheduler": "default", "CFGScale": 7.5}
        """#,
        #"""
        {"taskType": "imageInference", "taskUUID": "a49e0ce1-5e01-49c7-9878-8a0b5f138399",
         "referenceImages": ["https://assets.runware.ai/assets/inputs/a6abbc5b-85a9-4aac-bc6b-e972772dd9d0.jpg"],
         "model": "runware:106@1",
         "positivePrompt": "Transform the reference image into an elegant early-20th-century alpine rail compartment with polished walnut panels, brass luggage racks, embroidered seat fabric, frosted glass details, and a sweeping mountain pass outside the window. Preserve the seated passenger's pose and framing, but restyle the wardrobe into a tailored wool coat and travel gloves. Add a folded map, leather satchel, and subtle condensation on the window. Cinematic realism, intricate textures, atmospheric depth, warm copper and pine tones, refined travel photography aesthetic.",
         "width": 1248, "height": 832, "seed": 8455, "steps": 28, "scheduler": "Euler", "CFGScale": 7.5}
        """#,
        #"""
        {"taskType": "imageInference", "taskUUID": "131b86d2-9034-45bd-8385-5e7b5cbff62e",
         "referenceImages": ["https://assets.runware.ai/assets/inputs/cfb1143b-02c8-4416-9e17-c58e8aff749f.jpg"],
         "model": "runware:106@1",
         "positivePrompt": "Transform the reference image into an avant-garde fashion editorial set inside a colossal glacial cathedral nave with translucent ice columns, prismatic frost textures, suspended crystal chimes, pale cyan and silver palette, the same woman reimagined in an extravagant sculptural gown made of faceted glass-like shards and layered organza, intricate reflective headdress, poised centered stance, ethereal winter couture, cinematic volumetric light streaming through frozen arches, ultra-detailed textiles, refined facial detail, elegant composition, luxury magazine photography, surreal yet believable",
         "seed": 15789, "steps": 28, "scheduler": "Euler", "CFGScale": 7.5}
        """#,
        #"""
        {"taskType": "imageInference", "taskUUID": "283e76ba-6434-4c1b-86a0-e1829ce848bf",
         "referenceImages": ["https://assets.runware.ai/assets/inputs/0b68c363-83cd-409d-be14-1dc957952d19.jpg"],
         "model": "runware:106@1",
         "positivePrompt": "Transform the reference image into a lavish masquerade performance inside a grand velvet-draped hall, the dancer wearing an elaborate porcelain mask, layered embroidered costume with jewel accents, sweeping ribbons, polished marble floor reflecting warm candle glow, towering floral arrangements, suspended crystal garlands, theatrical haze, rich burgundy and gold palette, dynamic elegance, surreal couture fashion photography, intricate textile detail, cinematic composition, highly detailed",
         "seed": 60280, "steps": 28, "scheduler": "default", "CFGScale": 7.5}
        """#,
    ]
}

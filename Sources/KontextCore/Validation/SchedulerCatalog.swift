/// The diffusion schedulers Runware accepts, matched case-insensitively to their canonical spelling.
///
/// The reference says 75 values without listing them; this list joins Runware's schedulers page
/// (FLUX, Stable Diffusion and the Uniform variants) with the names in SDK 1.8.
package enum SchedulerCatalog {
    /// Every known scheduler in canonical spelling.
    package static let known: [String] = [
        "Default",
        "DDIM", "DDIMScheduler", "DDPMScheduler", "DEISMultistepScheduler",
        "DPMSolverSinglestepScheduler", "DPMSolverMultistepScheduler", "DPMSolverMultistepInverse",
        "EDMEulerScheduler", "EDMDPMSolverMultistepScheduler",
        "DPM++", "DPM++ Karras", "DPM++ Beta", "DPM++ Exponential",
        "DPM++ SDE", "DPM++ SDE Karras", "DPM++ SDE Beta", "DPM++ SDE Exponential",
        "DPM++ 2M", "DPM++ 2M Karras", "DPM++ 2M Beta", "DPM++ 2M Exponential",
        "DPM++ 2M SDE", "DPM++ 2M SDE Karras", "DPM++ 2M SDE Beta", "DPM++ 2M SDE Exponential",
        "DPM++ 2S a", "DPM++ 2S a Karras",
        "DPM++ 3M", "DPM++ 3M Karras", "DPM++ 3M Beta", "DPM++ 3M Exponential",
        "DPM++ 3M SDE", "DPM++ 3M SDE Karras",
        "DPM++ Uniform", "DPM++ Uniform Beta", "DPM++ Uniform Exponential", "DPM++ Uniform Karras",
        "DPM++ 2M Uniform", "DPM++ 2M SDE Uniform", "DPM++ 3M Uniform", "DPM++ 3M SDE Uniform",
        "Euler", "Euler a", "Euler Beta", "Euler Exponential", "Euler Karras",
        "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "FlowMatchEulerDiscreteScheduler",
        "Heun", "Heun Karras", "HeunDiscreteScheduler",
        "IPNDMScheduler", "IPNDM Uniform", "IPNDM Uniform Beta", "IPNDM Uniform Exponential", "IPNDM Uniform Karras",
        "KDPM2DiscreteScheduler", "KDPM2AncestralDiscreteScheduler",
        "LCM", "LCMScheduler", "LMS", "LMS Karras", "LMSDiscreteScheduler",
        "PNDMScheduler", "TCDScheduler",
        "UniPC", "UniPC Karras", "UniPC 2M", "UniPC 2M Karras", "UniPC 3M", "UniPC 3M Karras",
        "UniPCMultistepScheduler",
        "UniPC Uniform", "UniPC 2M Uniform", "UniPC 3M Uniform",
        "UniPC Uniform Beta", "UniPC Uniform Exponential", "UniPC Uniform Karras",
    ]

    private static let byLowercasedName: [String: String] = Dictionary(
        known.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })

    /// The canonical spelling of a known scheduler given in any letter case (`default` → `Default`), or nil.
    package static func canonicalName(_ name: String) -> String? {
        byLowercasedName[name.lowercased()]
    }

    /// The known scheduler closest to an unknown name, for the error message.
    package static func nearest(to name: String) -> String? {
        EditDistance.nearest(to: name, in: known)
    }

    /// True for schedulers that inject fresh noise each step (SDE and ancestral samplers, `Euler a`,
    /// `DPM++ 2S a`), with which Runware warns step caching works badly.
    package static func isStochastic(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if lowered.contains("sde") || lowered.contains("ancestral") { return true }
        return lowered.split(separator: " ").contains("a")
    }
}

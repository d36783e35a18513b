// Camera moves in English, for -CameraMovement; the model reads them as bracketed Chinese commands.
namespace HighwayHailuo
{
    /// <summary>A camera move the Hailuo model understands.</summary>
    public enum HailuoCameraMovement
    {
        /// <summary>[左移]</summary>
        TruckLeft,
        /// <summary>[右移]</summary>
        TruckRight,
        /// <summary>[左摇]</summary>
        PanLeft,
        /// <summary>[右摇]</summary>
        PanRight,
        /// <summary>[推进]</summary>
        PushIn,
        /// <summary>[拉远]</summary>
        PullOut,
        /// <summary>[上升]</summary>
        PedestalUp,
        /// <summary>[下降]</summary>
        PedestalDown,
        /// <summary>[上摇]</summary>
        TiltUp,
        /// <summary>[下摇]</summary>
        TiltDown,
        /// <summary>[变焦推近]</summary>
        ZoomIn,
        /// <summary>[变焦拉远]</summary>
        ZoomOut,
        /// <summary>[晃动]</summary>
        Shake,
        /// <summary>[跟随]</summary>
        TrackingShot,
        /// <summary>[固定]</summary>
        Static,
    }
}
